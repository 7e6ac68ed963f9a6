"""What the readers' file-level errors say: where a byte that does not decode is (its line and its
offset in the file, however far in), and no more of a file's content than the header row they judged."""
from __future__ import annotations

import pytest

from pipelines.errors import FileError

VOL_HEADER = "单位,活动名称,服务日期,志愿者编号,服务时长\n"


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_a_bad_byte_far_into_a_csv_is_named_by_its_line_and_offset(data, encoding):
    rows = [f"福建省质检院,质量月进社区第{n}期,2023-05-05,FJQI-V{n:05d},2\n" for n in range(8000)]
    rows[6000] = rows[6000].replace("质量月", "质量\ufffd月")  # line 6002: the header, then 6000 rows before it
    raw = (VOL_HEADER + "".join(rows)).encode(encoding).replace("\ufffd".encode(encoding), b"\xff")
    assert raw.count(b"\xff") == 1 and raw.index(b"\xff") > 256 * 1024  # past what the encoding is judged on
    (data.raw / "volunteer_hours").mkdir(parents=True)
    (data.raw / "volunteer_hours" / "台账.csv").write_bytes(raw)
    with pytest.raises(FileError) as error:
        data.ingest()
    offset = raw.index(b"\xff")
    assert error.value.file == "volunteer_hours/台账.csv"
    assert f"not valid {encoding} at line 6,002 (byte offset {offset:,} from the start of the file: FF)" \
        in error.value.problem_en
    assert f"第 6,002 行，距文件开头 {offset:,} 字节处" in error.value.problem_zh


def test_a_file_without_a_header_row_is_not_quoted_in_the_error(data):
    """Whatever was put in the folder (a system file, another institute's list), the error names what is
    missing and quotes none of it."""
    secret = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
    (data.raw / "volunteer_hours").mkdir(parents=True)
    (data.raw / "volunteer_hours" / "passwd.csv").write_text(secret * 3)
    with pytest.raises(FileError) as error:
        data.ingest()
    assert "none of the first 30 rows names a column of this dataset" in error.value.problem_en
    assert "root" not in error.value.render() and "daemon" not in error.value.render()


def test_a_header_missing_a_column_is_quoted_cell_by_cell_each_cut_short(data):
    long = "志愿者编号（请填写身份证号码或本单位志愿者编码，勿填姓名）"
    (data.raw / "volunteer_hours").mkdir(parents=True)
    (data.raw / "volunteer_hours" / "v.csv").write_text(f"单位,活动名称,服务日期,{long}\nFJQI,a,2023-05-05,V1\n")
    with pytest.raises(FileError) as error:
        data.ingest()
    assert error.value.problem_en.endswith(f"header seen: 单位、活动名称、服务日期、{long[:24]}…")
    assert "missing required column(s) hours;" in error.value.problem_en  # the long header names volunteer_id
