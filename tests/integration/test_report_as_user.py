"""`python -m dashboards.report --as USER`: an account that is missing or disabled is refused (exit 2, in
Chinese and English), as is an institute's user asking for another institute's report; an institute's
pack holds its own institute only, a leader's the institutes of its scope."""
from __future__ import annotations

import dataclasses

import duckdb
import pytest

from dashboards.accounts.store import AccountStore
from dashboards.report.__main__ import main
from dashboards.report.pack import ReportPack
from dashboards.report.plan import GROUP
from dashboards.views.viewer import Viewer

PASSWORD = "a long enough pass phrase 42"


@pytest.fixture(scope="module")
def settings(published_demo, tmp_path_factory):
    settings, _ = published_demo
    settings = dataclasses.replace(settings, accounts_file=tmp_path_factory.mktemp("accounts") / "app.db")
    with AccountStore(settings) as accounts:
        accounts.add("fjqi", PASSWORD, "institute", institute_id="FJQI")
        accounts.add("zj", PASSWORD, "leader", scope="province:33")
        accounts.add("gone", PASSWORD, "analyst")
        accounts.disable("gone")
    return settings


@pytest.fixture
def env(settings, monkeypatch):
    monkeypatch.setenv("TOUYAN_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("TOUYAN_ACCOUNTS_DB", str(settings.accounts_db))
    monkeypatch.setenv("TOUYAN_WORKER_IDLE", "0")


@pytest.mark.parametrize(("argv", "said"), [
    (["--as", "nobody"], "no user 'nobody'"),
    (["--as", "gone"], "user 'gone' is disabled"),
    (["--as", "fjqi", "--institutes", "ZJQI"], "you may not make the report of ZJQI"),
    (["--as", "zj", "--institutes", "FJQI,ZJQI"], "you may not make the report of FJQI"),
])
def test_a_user_is_refused_what_it_may_not_have(env, settings, capsys, argv, said, tmp_path):
    assert main([*argv, "--out", str(tmp_path / "pack")]) == 2
    err = capsys.readouterr().err
    assert said in err and "报告未生成" in err
    assert not (tmp_path / "pack").exists()
    with AccountStore(settings) as accounts:
        assert not [e for e in accounts.audit_events() if e.event == "report"]  # nothing was made


def test_an_institute_pack_holds_its_institute_only_and_a_leader_its_scope(settings, tmp_path):
    with AccountStore(settings) as accounts:
        fjqi, zj = (Viewer.for_account(accounts.get(u), settings.min_group_others) for u in ("fjqi", "zj"))
    assert [u.id for u in ReportPack(settings, out_dir=tmp_path, viewer=fjqi).plan()] == ["FJQI"]
    assert [u.id for u in ReportPack(settings, out_dir=tmp_path, viewer=zj).plan()] == [GROUP, "ZJQI", "ZJQS", "ZJSI"]
    assert len(ReportPack(settings, out_dir=tmp_path).plan()) == 8  # without --as: the group and every institute


def test_an_institute_user_s_pack_is_made_for_it_watermarked_and_audited(env, settings, tmp_path):
    """The whole command, Chromium included, for one metric: its institute's folder only, the figures and
    the workbook carry the user and the time, the combined PDF names no other institute."""
    import subprocess

    out = tmp_path / "pack"
    assert main(["--as", "fjqi", "--out", str(out), "--metrics", "prj_initiated"]) in (0, None)
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["FJQI"]
    svgs = list((out / "FJQI").rglob("*.svg"))
    assert svgs and all("fjqi · " in svg.read_text(encoding="utf-8") for svg in svgs)
    (pdf,) = [p for p in (out / "FJQI").glob("*.pdf")]
    text = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "福建省产品质量检验研究院" in text
    assert not any(name in text for name in ("浙江省", "江苏省", "福建省标准化研究院", "福建省计量科学研究院"))
    # its units section: its own units (divisions and laboratories), no other institute's
    units = duckdb.execute("select institute_id, name_zh from read_parquet(?)",
                           [str(settings.marts_dir / "current" / "dim_units.parquet")]).fetchall()
    own = [name for institute, name in units if institute == "FJQI"]
    others = [name for institute, name in units if institute != "FJQI" and name not in own]
    assert own and others and "先进制造计量研究中心" in others
    assert all(name in text for name in own)
    assert not [name for name in others if name in text]
    with AccountStore(settings) as accounts:
        (event,) = [e for e in accounts.audit_events() if e.event == "report"]
    assert event.username == "fjqi"
