"""Excel downloads: rows of safe cells (never a formula), sent as an attachment."""

import io
from collections.abc import Sequence
from typing import Any, Final

from fastapi.responses import StreamingResponse
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from hotline.export import safe_cell

XLSX: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_RESPONSE: Final[dict[int | str, dict[str, Any]]] = {
    200: {"content": {XLSX: {}}, "description": "an XLSX workbook"}
}


def append_row(sheet: Worksheet, row: Sequence[Any]) -> None:
    """A row of safe cells; text is typed as a string, so openpyxl never writes it as a formula."""
    sheet.append([safe_cell(value) for value in row])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def download(book: Workbook, filename: str) -> StreamingResponse:
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return StreamingResponse(
        buffer, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )
