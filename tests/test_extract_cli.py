"""`dondoc plan extract` then `dondoc plan import`: the admin's path from a document to tasks."""

import pytest

from tests.support.paths import FIXTURES

SEEDS = sorted((FIXTURES / "extract").glob("*.txt"))


@pytest.mark.parametrize("seed", SEEDS, ids=[s.stem for s in SEEDS])
def test_every_seed_extracts_to_a_draft_that_imports(cli, seed, tmp_path):
    assert cli("org", "load").code == 0
    draft = tmp_path / f"{seed.stem}.yaml"
    result = cli("plan", "extract", seed, "-o", draft)
    assert result.code == 0, result.err
    assert "Đã ghi bản nháp" in result.out and draft.exists()
    extracted = cli("plan", "extract", seed, "--json").json()
    assert set(extracted) == {"plan", "tasks", "reports", "review"}
    imported = cli("plan", "import", "--json", draft)
    assert imported.code == 0, imported.err
    report = imported.json()[0]
    assert len(report["created"]) >= len(extracted["tasks"]) + len(extracted["reports"])
    again = cli("plan", "import", "--json", draft).json()[0]
    assert again["created"] == [] and again["updated"] == {} and again["cancelled"] == []


def test_extract_prints_the_yaml_and_keeps_the_summary_apart(cli):
    result = cli("plan", "extract", FIXTURES / "extract" / "hung-thang-2025-h2.txt")
    assert result.code == 0
    assert result.out.lstrip().startswith(("#", "plan:"))
    assert "plan:" in result.out and "tasks:" in result.out


def test_a_document_dondoc_cannot_read_gets_a_clear_message(cli, tmp_path):
    odd = tmp_path / "ke-hoach.odt"
    odd.write_bytes(b"not a plan")
    result = cli("plan", "extract", odd)
    assert result.code == 1 and result.err.startswith("dondoc: ") and "ke-hoach.odt" in result.err


@pytest.mark.parametrize("kind", ["docx", "xlsx", "pdf", "csv"])
def test_generated_word_excel_pdf_and_csv_extract_and_import(cli, kind, tmp_path):
    from tests.test_extract_formats import write_docx, write_pdf, write_xlsx

    source = {"docx": lambda: write_docx(tmp_path / "ke-hoach.docx"),
              "xlsx": lambda: write_xlsx(tmp_path / "ke-hoach.xlsx"),
              "pdf": lambda: write_pdf(tmp_path / "ke-hoach.pdf"),
              "csv": lambda: FIXTURES / "extract" / "hung-thang-table.csv"}[kind]()
    cli("org", "load")
    draft = tmp_path / "draft.yaml"
    assert cli("plan", "extract", source, "-o", draft, "--year", "2025").code == 0
    report = cli("plan", "import", "--json", draft).json()[0]
    refs = set(report["created"])
    assert {"1", "8", "15"} <= refs and len(refs) >= 14
    tasks = {t["ref"]: t for t in cli("--now", "2025-08-01T09:00+07:00", "tasks", "--json").json()}
    assert tasks["1"]["lead"] == "Phòng Văn hóa - Xã hội" and tasks["1"]["due"] == "2025-07-31"
    assert tasks["8"]["lead"] == "Văn phòng HĐND và UBND xã" and tasks["8"]["due"] == "2025-12-31"
