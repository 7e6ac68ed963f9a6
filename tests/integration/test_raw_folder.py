"""What the ingest reads of data/raw/: links (a dataset folder linked to a shared drive is read; a link
leading out of the data folder is refused by name, its target never read), file names (printed escaped,
never as the terminal control they contain), and what is not a submission file at all."""
from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

from pipelines.config import PROJECT_ROOT
from pipelines.errors import FileError
from pipelines.ingest import ingest, summary_table
from tests.conftest import TODAY, write_csv

VOL_HEADER = ["单位", "活动名称", "服务日期", "志愿者编号", "服务时长"]
SECRET = "root:x:0:0:SECRET-FIRST-LINE"


def volunteer_file(path, volunteer="V1"):
    return write_csv(path, [VOL_HEADER, ["FJQI", "质量月", "2023-05-05", volunteer, "2"]])


def secret_file(tmp_path):
    """A file outside the data folder, as /etc/passwd is: read, its first line would be quoted as a header."""
    path = tmp_path / "outside" / "passwd"
    path.parent.mkdir()
    path.write_text(SECRET + "\nbin:x:1:1\n")
    return path


def refused(data) -> FileError:
    with pytest.raises(FileError) as error:
        data.ingest()
    return error.value


def test_a_linked_dataset_folder_is_read_subfolders_and_all_and_said_so(data, tmp_path):
    shared = tmp_path / "shared" / "志愿服务"
    volunteer_file(shared / "2023.csv", "V1")
    volunteer_file(shared / "2024" / "上半年.csv", "V2")
    os.symlink(shared, shared / "2024" / "again")  # a loop back up: its files are read once, not forever
    os.symlink(shared, data.raw / "volunteer_hours")
    out = io.StringIO()
    ingest(data.settings, out=out)
    assert f"volunteer_hours/ is a link to {shared}: its files are read" in out.getvalue()
    assert data.query("select source_file, volunteer_id from raw.volunteer_hours order by all") == [
        ("volunteer_hours/2023.csv", "V1"), ("volunteer_hours/2024/上半年.csv", "V2")]


def test_a_dataset_folder_linked_to_a_drive_not_mounted_is_an_error_naming_it(data, tmp_path):
    os.symlink(tmp_path / "mnt" / "shared" / "volunteer_hours", data.raw / "volunteer_hours")
    error = refused(data)
    assert error.file == "volunteer_hours"
    assert f"a link to {tmp_path / 'mnt'}" in error.problem_en and "does not exist or cannot be reached" in error.problem_en
    assert "共享盘已挂载" in error.action_zh


@pytest.mark.parametrize("linked_folder", [False, True])
def test_a_file_linked_out_of_the_data_folder_is_refused_by_name_and_never_read(data, tmp_path, linked_folder):
    secret = secret_file(tmp_path)
    folder = data.raw / "volunteer_hours"
    if linked_folder:  # the dataset folder is a link: its files may only lead inside the folder it links to
        folder = tmp_path / "shared" / "volunteer_hours"
        folder.mkdir(parents=True)
        os.symlink(folder, data.raw / "volunteer_hours")
    volunteer_file(folder / "a.csv")
    os.symlink(secret, folder / "b.csv")
    error = refused(data)
    assert error.file == "volunteer_hours/b.csv"
    assert f"it is a link to {secret}, outside " in error.problem_en and "不予读取" in error.problem_zh
    assert ("the folder volunteer_hours/ links to" if linked_folder else "data/raw/") in error.problem_en
    assert "make the dataset folder itself the link" in error.action_en
    assert "SECRET" not in error.render()
    assert not data.settings.warehouse.exists()


def test_a_link_inside_the_data_folder_is_followed_and_said_so(data):
    volunteer_file(data.raw / "volunteer_hours" / "archive" / "2023.csv")
    os.symlink("archive/2023.csv", data.raw / "volunteer_hours" / "latest.csv")
    out = io.StringIO()
    ingest(data.settings, out=out)
    assert "volunteer_hours/latest.csv is a link to archive/2023.csv: followed" in out.getvalue()
    assert data.query("select source_file, reason_code from raw.rejects") == [
        ("volunteer_hours/latest.csv", "duplicate")]  # the same rows twice, as for a copy


def test_file_names_are_printed_with_their_control_characters_escaped(data):
    name = "志愿\x1b[31m红\r\n伪造的一行\u202e.csv"
    volunteer_file(data.raw / "volunteer_hours" / name)
    out = io.StringIO()
    result = ingest(data.settings, out=out)
    printed = out.getvalue() + "\n" + summary_table(result)
    escaped = "volunteer_hours/志愿\\x1b[31m红\\r\\n伪造的一行\\u202e.csv"
    assert f"reading {escaped}" in printed and f"\n{escaped}  " in summary_table(result)
    assert not {"\x1b", "\r", "\u202e"} & set(printed)
    assert not [line for line in printed.splitlines() if line.startswith("伪造")]  # no line forged by a name
    assert data.query("select source_file from raw.volunteer_hours") == [(f"volunteer_hours/{name}",)]


def test_a_file_error_names_the_file_escaped_on_the_command_line(data):
    write_csv(data.raw / "staff" / "人员\x1b[2J\x1b[H.csv", [["institute", "staff_total"], ["FJQI", 10]])  # no year
    env = {**os.environ, "TOUYAN_DATA_DIR": str(data.settings.data_dir), "TOUYAN_TODAY": TODAY.isoformat()}
    process = subprocess.run([sys.executable, "-m", "pipelines", "ingest"], cwd=PROJECT_ROOT, env=env,
                             capture_output=True, text=True, timeout=120)
    assert process.returncode == 2
    assert "文件 / file: staff/人员\\x1b[2J\\x1b[H.csv\n" in process.stderr and "\x1b" not in process.stderr


def test_a_file_name_that_is_not_utf8_is_an_error_naming_it(data):
    folder = os.fsencode(data.raw / "volunteer_hours")
    os.makedirs(folder)
    gbk = "广东".encode("gbk")  # b9 e3 b6 ab: not UTF-8, as unzip leaves a Windows archive's names
    with open(folder + b"/" + gbk + b".csv", "wb") as f:
        f.write(b"x")
    error = refused(data)
    assert error.file == "volunteer_hours/" + os.fsdecode(gbk) + ".csv"
    # b9 is not UTF-8 and is shown as its byte; e3 b6 ab happens to be (㶫), as the system reads the name
    assert "文件 / file: volunteer_hours/\\xb9㶫.csv\n" in error.render()
    assert "not UTF-8" in error.problem_en and "unzip -O GBK" in error.action_en


def test_a_pipe_among_the_files_is_refused_not_waited_on(data):
    os.makedirs(data.raw / "volunteer_hours")
    os.mkfifo(data.raw / "volunteer_hours" / "v.csv")
    error = refused(data)
    assert (error.file, error.problem_en) == ("volunteer_hours/v.csv", "it is not a regular file (a device, pipe or socket)")


def test_the_demo_does_not_write_over_a_linked_dataset_folder(data, tmp_path):
    shared = tmp_path / "shared" / "volunteer_hours"
    submission = volunteer_file(shared / "2024.csv")
    os.symlink(shared, data.raw / "volunteer_hours")
    env = {**os.environ, "TOUYAN_DATA_DIR": str(data.settings.data_dir)}
    process = subprocess.run([sys.executable, "-m", "pipelines", "demo"], cwd=PROJECT_ROOT, env=env,
                             capture_output=True, text=True, timeout=120)
    assert process.returncode == 2 and "Traceback" not in process.stderr
    assert "文件 / file: volunteer_hours/\n" in process.stderr and "the demo does not write over it" in process.stderr
    assert sorted(p.name for p in shared.iterdir()) == ["2024.csv"] and submission.read_text().startswith("单位")
    assert sorted(p.name for p in data.raw.iterdir()) == ["institutes", "volunteer_hours"]  # nothing cleared
