"""The PDFs of the tenant space, drawn with reportlab (docs/adr/0013-pdf-with-reportlab.md).

``layout`` holds what every document shares (page, header, footer with the verification
code); ``agreement``, ``receipt`` and ``certificate`` each turn one plain dataclass into PDF
bytes, reading no database, so that they are cheap to test and to benchmark.
"""
