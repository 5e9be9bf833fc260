"""idmqa: question answering with exact citations over the IOM IDM No. 28 report."""

__version__ = "0.1.0"
