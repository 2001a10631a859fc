#!/usr/bin/env python3
"""Regenerate the demo site's document attachments (PDF and DOCX).

Standard library only. Output is byte-for-byte reproducible (fixed dates,
fixed zip timestamps), so rerunning leaves unchanged files unchanged.

PDFs are written by hand: A4 pages, text in the non-embedded Adobe-GB1
CID font STSong-Light (every PDF reader with CJK support substitutes a
Song/Ming face), so the files stay a few kilobytes. DOCX files are minimal
WordprocessingML packages (content types, relationships, document, core
properties).

Usage: python3 content-tools/make-demo-attachments.py
"""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"

# --------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------

PAGE_W, PAGE_H = 595, 842  # A4 in points
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 64, 72, 64


def _hex(text: str) -> str:
    """Text -> hex string in UCS-2 big endian (UniGB-UCS2-H)."""
    return "<" + text.encode("utf-16-be").hex().upper() + ">"


# Advance widths (1/1000 em) of the proportional ASCII CIDs 1-95 that
# UniGB-UCS2-H maps U+0020..U+007E to; everything else is full width.
NARROW = {" ": 250, ",": 250, ".": 250, ":": 250, ";": 250, "!": 300, "|": 300, "'": 250}


def _adv(ch: str) -> int:
    if ord(ch) < 32 or ord(ch) > 126:
        return 1000
    return NARROW.get(ch, 500)


def _w_array() -> str:
    """The /W array for the descendant font: CID 1 + (code - 0x20)."""
    return "[1 [" + " ".join(str(_adv(chr(c))) for c in range(0x20, 0x7F)) + "]]"


def _width(text: str, size: float) -> float:
    return sum(_adv(ch) / 1000 * size for ch in text)


def _wrap(text: str, size: float, width: float) -> list[str]:
    lines, cur = [], ""
    for ch in text:
        if _width(cur + ch, size) > width:
            # do not start a line with closing punctuation
            if ch in "，。、；：）」』》！？,.;:)" and cur:
                cur += ch
                lines.append(cur)
                cur = ""
                continue
            lines.append(cur)
            cur = ""
        cur += ch
    if cur:
        lines.append(cur)
    return lines


class PdfDoc:
    """A tiny flowing-layout PDF writer: headings, paragraphs, ruled tables."""

    def __init__(self, title: str, author: str, date: str):
        self.title, self.author, self.date = title, author, date
        self.pages: list[list[str]] = []
        self._new_page()

    def _new_page(self) -> None:
        self.ops: list[str] = []
        self.pages.append(self.ops)
        self.y = PAGE_H - MARGIN_TOP

    def _need(self, h: float) -> None:
        if self.y - h < MARGIN_BOTTOM:
            self._new_page()

    def _text(self, x: float, y: float, size: float, s: str) -> None:
        self.ops.append(f"BT /F1 {size:g} Tf {x:.2f} {y:.2f} Td {_hex(s)} Tj ET")

    def title_block(self, text: str, size: float = 18) -> None:
        for line in _wrap(text, size, PAGE_W - 2 * MARGIN_X):
            self._need(size * 1.6)
            self.y -= size * 1.6
            x = (PAGE_W - _width(line, size)) / 2
            self._text(x, self.y, size, line)
        self.y -= size * 0.8

    def heading(self, text: str, size: float = 13) -> None:
        self._need(size * 2.4)
        self.y -= size * 1.9
        self._text(MARGIN_X, self.y, size, text)
        self.y -= size * 0.5

    def para(self, text: str, size: float = 11, indent: bool = True, align: str = "left") -> None:
        body = ("\u3000\u3000" if indent else "") + text
        for line in _wrap(body, size, PAGE_W - 2 * MARGIN_X):
            self._need(size * 1.75)
            self.y -= size * 1.75
            x = MARGIN_X
            if align == "right":
                x = PAGE_W - MARGIN_X - _width(line, size)
            elif align == "center":
                x = (PAGE_W - _width(line, size)) / 2
            self._text(x, self.y, size, line)

    def table(self, widths: list[float], rows: list[list[str]], size: float = 10, header: int = 1) -> None:
        """Ruled table; widths are fractions of the text width. Cells wrap."""
        total = PAGE_W - 2 * MARGIN_X
        cols = [w * total for w in widths]
        pad = 4
        self.y -= 6
        for r, row in enumerate(rows):
            cells = [_wrap(c, size, cols[i] - 2 * pad) or [""] for i, c in enumerate(row)]
            h = max(len(c) for c in cells) * size * 1.45 + 2 * pad
            if self.y - h < MARGIN_BOTTOM:
                self._new_page()
            top, x = self.y, MARGIN_X
            if r < header:
                self.ops.append(f"0.90 0.92 0.96 rg {MARGIN_X:.2f} {top - h:.2f} {total:.2f} {h:.2f} re f 0 g")
            for i, lines in enumerate(cells):
                numeric = r >= header and i > 0 and all(ch in "0123456789.,%-" for ch in row[i])
                ly = top - pad
                for line in lines:
                    ly -= size * 1.45
                    lx = x + pad
                    if numeric or r < header:
                        lx = x + (cols[i] - _width(line, size)) / 2
                    self._text(lx, ly + size * 0.3, size, line)
                x += cols[i]
            # rules: top, bottom, verticals
            self.ops.append("0.5 w 0.3 G")
            self.ops.append(f"{MARGIN_X:.2f} {top:.2f} m {MARGIN_X + total:.2f} {top:.2f} l S")
            self.ops.append(f"{MARGIN_X:.2f} {top - h:.2f} m {MARGIN_X + total:.2f} {top - h:.2f} l S")
            x = MARGIN_X
            for w in [0.0] + cols:
                x += w
                self.ops.append(f"{x:.2f} {top:.2f} m {x:.2f} {top - h:.2f} l S")
            self.y = top - h
        self.y -= 6

    def save(self, path: Path) -> None:
        objs: list[bytes] = []

        def add(body: str | bytes) -> int:
            objs.append(body.encode("latin-1") if isinstance(body, str) else body)
            return len(objs)

        n_pages = len(self.pages)
        # fixed object numbers: 1 catalog, 2 pages, 3 font, 4 descendant, 5 descriptor, 6 info
        add("<< /Type /Catalog /Pages 2 0 R /Lang (zh-CN) >>")
        first_page = 7
        kids = " ".join(f"{first_page + 2 * i} 0 R" for i in range(n_pages))
        add(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>")
        add("<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light "
            "/Encoding /UniGB-UCS2-H /DescendantFonts [4 0 R] >>")
        add("<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> "
            f"/FontDescriptor 5 0 R /DW 1000 /W {_w_array()} >>")
        add("<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 "
            "/FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 "
            "/CapHeight 880 /StemV 93 >>")
        d = self.date.replace("-", "")
        add(f"<< /Title <FEFF{self.title.encode('utf-16-be').hex().upper()}> "
            f"/Author <FEFF{self.author.encode('utf-16-be').hex().upper()}> "
            f"/Producer (gongkai content-tools) "
            f"/CreationDate (D:{d}090000+08'00') /ModDate (D:{d}090000+08'00') >>")
        for i, ops in enumerate(self.pages):
            footer = f"BT /F1 9 Tf {PAGE_W / 2 - 14:.2f} 36 Td {_hex(f'— {i + 1} —')} Tj ET"
            stream = zlib.compress(("\n".join(ops + [footer]) + "\n").encode("latin-1"), 9)
            page_no = first_page + 2 * i
            add(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] "
                f"/Resources << /Font << /F1 3 0 R >> >> /Contents {page_no + 1} 0 R >>")
            add(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream")

        out = io.BytesIO()
        out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for num, body in enumerate(objs, start=1):
            offsets.append(out.tell())
            out.write(b"%d 0 obj\n" % num + body + b"\nendobj\n")
        xref = out.tell()
        out.write(b"xref\n0 %d\n" % (len(objs) + 1))
        out.write(b"0000000000 65535 f \n")
        for off in offsets:
            out.write(b"%010d 00000 n \n" % off)
        out.write(b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\n" % (len(objs) + 1))
        out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
        path.write_bytes(out.getvalue())


# --------------------------------------------------------------------------
# DOCX
# --------------------------------------------------------------------------

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
FONT_PROPS = ('<w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" '
              'w:eastAsia="仿宋_GB2312"/>')


def _run(text: str, size_half_pt: int = 32, bold: bool = False, font: str | None = None) -> str:
    fonts = FONT_PROPS if font is None else (
        f'<w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:eastAsia="{font}"/>')
    b = "<w:b/>" if bold else ""
    return (f"<w:r><w:rPr>{fonts}{b}<w:sz w:val=\"{size_half_pt}\"/>"
            f"<w:szCs w:val=\"{size_half_pt}\"/></w:rPr>"
            f"<w:t xml:space=\"preserve\">{escape(text)}</w:t></w:r>")


def _p(text: str, *, align: str | None = None, indent: bool = True, size: int = 32,
       bold: bool = False, font: str | None = None, before: int = 0) -> str:
    # child order follows the CT_PPr schema: spacing, ind, jc
    ppr = [f'<w:spacing w:before="{before}" w:line="560" w:lineRule="exact"/>']
    if indent:
        ppr.append('<w:ind w:firstLineChars="200" w:firstLine="640"/>')
    if align:
        ppr.append(f'<w:jc w:val="{align}"/>')
    return f"<w:p><w:pPr>{''.join(ppr)}</w:pPr>{_run(text, size, bold, font)}</w:p>"


def _table(widths_twips: list[int], rows: list[list[str]]) -> str:
    border = ('<w:tblBorders>' + "".join(
        f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
        for side in ("top", "left", "bottom", "right", "insideH", "insideV")) + '</w:tblBorders>')
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths_twips)
    out = [f'<w:tbl><w:tblPr><w:tblW w:w="{sum(widths_twips)}" w:type="dxa"/>'
           f'<w:jc w:val="center"/>{border}</w:tblPr><w:tblGrid>{grid}</w:tblGrid>']
    for row in rows:
        out.append('<w:tr><w:trPr><w:trHeight w:val="567"/></w:trPr>')
        col = 0
        for cell in row:
            span = 1
            if cell.startswith("@"):  # "@3 text" spans 3 grid columns
                span_s, cell = cell[1:].split(" ", 1)
                span = int(span_s)
            w = sum(widths_twips[col:col + span])
            col += span
            gs = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
            out.append(f'<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/>{gs}<w:vAlign w:val="center"/></w:tcPr>'
                       f'<w:p><w:pPr><w:jc w:val="center"/></w:pPr>{_run(cell, 24)}</w:p></w:tc>')
        assert col == len(widths_twips), row
        out.append("</w:tr>")
    out.append("</w:tbl>")
    return "".join(out)


def save_docx(path: Path, title: str, creator: str, date: str, body_xml: list[str]) -> None:
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:document xmlns:w="{W_NS}"><w:body>'
        + "".join(body_xml)
        + '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/>'
          '<w:pgMar w:top="2098" w:right="1474" w:bottom="1984" w:left="1588" '
          'w:header="851" w:footer="992" w:gutter="0"/></w:sectPr>'
        + "</w:body></w:document>"
    )
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
        '<Override PartName="/docProps/core.xml" '
        'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        '</Types>'
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="word/document.xml"/>'
        '<Relationship Id="rId2" '
        'Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" '
        'Target="docProps/core.xml"/>'
        '</Relationships>'
    )
    core = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties '
        'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f'<dc:title>{escape(title)}</dc:title><dc:creator>{escape(creator)}</dc:creator>'
        '<dc:language>zh-CN</dc:language>'
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{date}T09:00:00Z</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{date}T09:00:00Z</dcterms:modified>'
        '</cp:coreProperties>'
    )
    parts = [
        ("[Content_Types].xml", content_types),
        ("_rels/.rels", rels),
        ("word/document.xml", document),
        ("docProps/core.xml", core),
    ]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data.encode("utf-8"))
    path.write_bytes(buf.getvalue())


# --------------------------------------------------------------------------
# The documents
# --------------------------------------------------------------------------

# Key figures of the 2023 法治政府建设 report; the page's table uses the same.
FAZHI_2023 = [
    ("1", "审查政府合同", "份", "46", "38"),
    ("2", "审查合同涉及金额", "亿元", "9.2", "6.8"),
    ("3", "合法性审查行政规范性文件", "件", "12", "9"),
    ("4", "清理废止行政规范性文件", "件", "5", "3"),
    ("5", "纳入目录管理的重大行政决策事项", "项", "4", "3"),
    ("6", "行政执法人员资格考试合格", "人", "142", "118"),
    ("7", "评查行政执法案卷", "份", "120", "96"),
    ("8", "新收行政复议案件", "件", "37", "29"),
    ("9", "行政应诉案件", "件", "21", "25"),
    ("10", "行政机关负责人出庭应诉率", "%", "100", "96.0"),
    ("11", "人民调解矛盾纠纷", "件", "1,286", "1,153"),
    ("12", "人民调解成功率", "%", "98.6", "98.1"),
    ("13", "开展普法宣传活动", "场次", "236", "204"),
]

YAODIAN_2024 = [
    ("一、加强党对法治政府建设的领导",
     "落实党政主要负责人履行推进法治建设第一责任人职责清单，年内组织不少于8家单位主要负责人现场述法；将法治政府建设纳入全区年度绩效考核，分值权重不低于5%。"),
    ("二、健全依法行政制度体系",
     "严格落实行政规范性文件合法性审核机制，审核率保持100%；完成现行有效行政规范性文件全面清理，清理结果于第三季度向社会公布。"),
    ("三、推进重大行政决策科学化民主化法治化",
     "编制并公布2024年度重大行政决策事项目录，涉及群众切身利益的决策事项一律公开征求意见，征求意见期限一般不少于30日。"),
    ("四、深化行政执法规范化建设",
     "全面落实行政执法“三项制度”，实施提升行政执法质量三年行动；组织行政执法人员资格考试两次，开展全区行政执法案卷集中评查。"),
    ("五、强化行政权力制约和监督",
     "发挥行政复议化解行政争议主渠道作用，落实新修订的《中华人民共和国行政复议法》，行政机关负责人出庭应诉率保持100%。"),
    ("六、优化法治化营商环境",
     "推行“综合查一次”和包容审慎监管，动态调整轻微违法行为不予处罚清单；规范涉企行政检查，杜绝随意检查、重复检查。"),
    ("七、提升基层治理法治化水平",
     "坚持和发展新时代“枫桥经验”，推进镇（街道）综合行政执法规范化建设，实现村（社区）法律顾问全覆盖。"),
    ("八、深入开展法治宣传教育",
     "落实“谁执法谁普法”普法责任制，围绕民法典、安全生产法、反电信网络诈骗法等开展主题宣传，年内制作普法短视频不少于6期。"),
]

# 2023 政府信息公开工作年度报告 — 收到和处理政府信息公开申请情况.
# Columns: 自然人, 商业企业, 科研机构, 社会公益组织, 法律服务机构, 其他.
GK_NEW = [96, 14, 0, 1, 5, 2]
GK_CARRY_IN = [3, 1, 0, 0, 0, 0]
GK_RESULTS = [
    ("（一）予以公开", [46, 6, 0, 1, 2, 1]),
    ("（二）部分公开", [9, 2, 0, 0, 1, 0]),
    ("（三）不予公开 4.保护第三方合法权益", [2, 0, 0, 0, 0, 0]),
    ("（三）不予公开 5.属于三类内部事务信息", [1, 0, 0, 0, 0, 0]),
    ("（三）不予公开 6.属于四类过程性信息", [1, 1, 0, 0, 0, 0]),
    ("（三）不予公开 7.属于行政执法案卷", [0, 1, 0, 0, 0, 0]),
    ("（四）无法提供 1.本机关不掌握相关政府信息", [22, 3, 0, 0, 1, 0]),
    ("（四）无法提供 2.没有现成信息需要另行制作", [3, 1, 0, 0, 0, 0]),
    ("（四）无法提供 3.补正后申请内容仍不明确", [2, 0, 0, 0, 0, 0]),
    ("（五）不予处理 1.信访举报投诉类申请", [3, 0, 0, 0, 0, 0]),
    ("（五）不予处理 2.重复申请", [2, 0, 0, 0, 0, 0]),
    ("（五）不予处理 5.要求行政机关确认或重新出具已获取信息", [1, 0, 0, 0, 0, 0]),
    ("（六）其他处理 1.逾期不补正，不再处理", [2, 0, 0, 0, 1, 0]),
    ("（六）其他处理 3.其他（申请人撤回申请）", [1, 0, 0, 0, 0, 1]),
]
GK_CARRY_OUT = [4, 1, 0, 0, 0, 0]


def gk_check() -> list[int]:
    total = [sum(col) for col in zip(*(v for _, v in GK_RESULTS))]
    for i in range(6):
        assert GK_NEW[i] + GK_CARRY_IN[i] == total[i] + GK_CARRY_OUT[i], (i, total)
    return total


def fazhi_2023_pdf(path: Path) -> None:
    doc = PdfDoc("2023年度示例区法治政府建设主要指标统计表", "示例区司法局", "2024-03-20")
    doc.para("附件1", indent=False, size=12)
    doc.title_block("2023年度示例区法治政府建设主要指标统计表")
    doc.para("填报单位：示例区司法局　　　　统计时段：2023年1月1日至12月31日", indent=False, size=10)
    rows = [["序号", "指标名称", "单位", "2023年", "2022年"]]
    rows += [list(r) for r in FAZHI_2023]
    doc.table([0.09, 0.47, 0.12, 0.16, 0.16], rows)
    doc.para("说明：1. 表中数据由区直各行政执法部门、各镇（街道）报送，经区司法局汇总核实；"
             "2. 行政复议案件数按区人民政府受理数统计，行政应诉案件数含以区人民政府及其工作部门为被告的一审案件；"
             "3. 人民调解数据来源于全区各级人民调解委员会台账。", indent=False, size=10)
    doc.para("示例区司法局", indent=False, align="right")
    doc.para("2024年3月20日", indent=False, align="right")
    doc.save(path)


def yaodian_2024_docx(path: Path) -> None:
    body = [
        _p("附件2", indent=False, font="黑体"),
        _p("示例区2024年法治政府建设工作要点", align="center", indent=False, size=44,
           font="方正小标宋简体", before=240),
        _p("2024年，全区法治政府建设工作以习近平新时代中国特色社会主义思想为指导，深入学习贯彻习近平法治思想，"
           "对标《法治政府建设实施纲要（2021—2025年）》，聚焦以下八个方面重点任务，推动法治政府建设提质增效。",
           before=240),
    ]
    for head, text in YAODIAN_2024:
        body.append(_p(head, font="黑体"))
        body.append(_p(text))
    body.append(_p("各单位要对照上述要点制定本单位年度工作安排，于2024年4月30日前报区委全面依法治区委员会办公室"
                   "（设在区司法局）备案，并于12月15日前报送年度工作总结。"))
    body.append(_p("示例区司法局", align="right", indent=False, before=480))
    body.append(_p("2024年3月20日", align="right", indent=False))
    save_docx(path, "示例区2024年法治政府建设工作要点", "示例区司法局", "2024-03-20", body)


def xinxi_gongkai_2023_pdf(path: Path) -> None:
    total = gk_check()
    doc = PdfDoc("示例区人民政府2023年政府信息公开工作年度报告", "示例区人民政府办公室", "2024-01-25")
    doc.title_block("示例区人民政府2023年政府信息公开工作年度报告")
    doc.para("（打印版）", indent=False, align="center")
    doc.para("本报告依据《中华人民共和国政府信息公开条例》和《中华人民共和国政府信息公开工作年度报告格式》编制，"
             "统计期限为2023年1月1日至2023年12月31日。本打印版仅收录报告主要统计表，全文请见示例区人民政府门户网站。")
    doc.heading("一、主动公开政府信息情况")
    doc.table([0.40, 0.20, 0.20, 0.20], [
        ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
        ["规章", "0", "0", "0"],
        ["行政规范性文件", "10", "5", "43"],
    ])
    doc.table([0.60, 0.40], [
        ["信息内容", "本年处理决定数量"],
        ["行政许可", "5,214"],
        ["行政处罚", "687"],
        ["行政强制", "42"],
    ])
    doc.table([0.60, 0.40], [
        ["信息内容", "本年收费金额（单位：万元）"],
        ["行政事业性收费", "1,352.6"],
    ])
    doc.heading("二、收到和处理政府信息公开申请情况")
    hdr = ["项目", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    w = [0.30] + [0.10] * 7
    rows = [hdr]

    def row(label: str, v: list[int]) -> list[str]:
        return [label] + [str(x) for x in v] + [str(sum(v))]

    rows.append(row("一、本年新收政府信息公开申请数量", GK_NEW))
    rows.append(row("二、上年结转政府信息公开申请数量", GK_CARRY_IN))
    for label, v in GK_RESULTS:
        rows.append(row(label, v))
    rows.append(row("三、本年度办理结果总计", total))
    rows.append(row("四、结转下年度继续办理", GK_CARRY_OUT))
    doc.table(w, rows, size=8.5)
    doc.para("注：办理结果中未列出的细项本年度均为0。", indent=False, size=9)
    doc.heading("三、政府信息公开行政复议、行政诉讼情况")
    doc.table([0.28, 0.24, 0.24, 0.24], [
        ["结果", "行政复议", "未经复议直接起诉", "复议后起诉"],
        ["结果维持", "3", "1", "1"],
        ["结果纠正", "1", "0", "0"],
        ["其他结果", "0", "1", "0"],
        ["尚未审结", "1", "0", "0"],
        ["总计", "5", "2", "1"],
    ])
    doc.para("示例区人民政府办公室", indent=False, align="right")
    doc.para("2024年1月25日", indent=False, align="right")
    doc.save(path)


def zhaopin_baomingbiao_docx(path: Path) -> None:
    widths = [1500, 1700, 1300, 1700, 1300, 1500]
    rows = [
        ["姓　　名", "", "性　　别", "", "出生年月", ""],
        ["民　　族", "", "政治面貌", "", "籍　　贯", ""],
        ["身份证号", "@3 ", "联系电话", ""],
        ["毕业院校", "@3 ", "毕业时间", ""],
        ["所学专业", "@3 ", "学历学位", ""],
        ["教师资格证种类及学科", "@3 ", "普通话等级", ""],
        ["报考岗位代码", "", "报考学段学科", "@3 "],
        ["学习及工作简历（自高中起）", "@5 "],
        ["获奖情况", "@5 "],
        ["本人承诺", "@5 本人所填信息真实准确，所提供的证书、证明材料真实有效，如有不实，自愿取消聘用资格。　　本人签名：　　　　年　月　日"],
        ["资格审查意见", "@5 审查人签名：　　　　　　年　月　日"],
    ]
    body = [
        _p("附件", indent=False, font="黑体"),
        _p("示例区教育局2026年下半年公开招聘中小学教师报名表", align="center", indent=False,
           size=36, font="方正小标宋简体", before=120),
        _p("报名序号：　　　　　　　　　　　　　　　　填表日期：　　年　月　日", indent=False, size=24),
        _table(widths, rows),
        _p("注：1. 本表一式两份，请用A4纸双面打印；2. 须本人亲笔签名，不得由他人代签；"
           "3. 报考岗位代码见公告附表。", indent=False, size=24, before=120),
    ]
    save_docx(path, "示例区教育局2026年下半年公开招聘中小学教师报名表", "示例区教育局", "2026-11-02", body)


def main() -> None:
    jobs = [
        (CONTENT / "reports/2023-fazhi-zhengfu-jianshe/fujian1-2023-zhuyao-zhibiao.pdf", fazhi_2023_pdf),
        (CONTENT / "reports/2023-fazhi-zhengfu-jianshe/fujian2-2024-gongzuo-yaodian.docx", yaodian_2024_docx),
        (CONTENT / "reports/2023-zhengfu-xinxi-gongkai-niandu-baogao/2023-xinxi-gongkai-niandu-baogao.pdf",
         xinxi_gongkai_2023_pdf),
        (CONTENT / "notices/2026-jiaoshi-zhaopin/baomingbiao.docx", zhaopin_baomingbiao_docx),
    ]
    for path, fn in jobs:
        path.parent.mkdir(parents=True, exist_ok=True)
        fn(path)
        print(f"{path.relative_to(ROOT)}  {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
