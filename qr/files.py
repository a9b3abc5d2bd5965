"""What an uploaded file really is, judged from its bytes: a renamed .exe is not a PDF."""
import io
import zipfile

# file type → (extensions a user may give it, MIME type for downloads)
ALLOWED = {
    "pdf": ((".pdf",), "application/pdf"),
    "png": ((".png",), "image/png"),
    "jpeg": ((".jpg", ".jpeg"), "image/jpeg"),
    "docx": ((".docx",), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ((".xlsx",), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": ((".pptx",), "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "doc": ((".doc",), "application/msword"),
    "xls": ((".xls",), "application/vnd.ms-excel"),
    "ppt": ((".ppt",), "application/vnd.ms-powerpoint"),
}
_OOXML_PARTS = {"word/": "docx", "xl/": "xlsx", "ppt/": "pptx"}
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def sniff_file_type(file_name: str, content: bytes) -> str | None:
    """The allowed type whose signature the content carries and whose extension the name has, else None."""
    extension = "." + file_name.lower().rsplit(".", 1)[-1] if "." in file_name else ""
    if content.startswith(b"%PDF-"):
        found = "pdf"
    elif content.startswith(b"\x89PNG\r\n\x1a\n"):
        found = "png"
    elif content.startswith(b"\xff\xd8\xff"):
        found = "jpeg"
    elif content.startswith(_OLE):
        # legacy Office files share one container; the name says which application wrote it
        found = {".doc": "doc", ".xls": "xls", ".ppt": "ppt"}.get(extension)
    elif content.startswith(b"PK\x03\x04"):
        found = _ooxml_type(content)
    else:
        found = None
    return found if found and extension in ALLOWED[found][0] else None


def _ooxml_type(content: bytes) -> str | None:
    try:
        names = zipfile.ZipFile(io.BytesIO(content)).namelist()
    except (zipfile.BadZipFile, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    return next((kind for prefix, kind in _OOXML_PARTS.items() if any(n.startswith(prefix) for n in names)), None)


def mime_type(file_type: str) -> str:
    return ALLOWED[file_type][1]
