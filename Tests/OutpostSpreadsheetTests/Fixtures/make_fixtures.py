#!/usr/bin/env python3
"""Writes the reference workbooks OutpostSpreadsheetTests read, with two real writers.

CI does NOT run this script: it only reads the committed .xlsx files. Run it by hand to
regenerate them (then re-check the expectations in WorkbookFixtureTests.swift):

    pip install openpyxl==3.1.5
    apt-get install -y libreoffice-calc-nogui     # provides soffice
    python3 Tests/OutpostSpreadsheetTests/Fixtures/make_fixtures.py

Files written next to this script:
- openpyxl.xlsx: openpyxl 3.1 (inline strings, rich text runs, numbers written with %.16g,
  dates with openpyxl's default and custom formats, booleans, error cells, gaps, a second
  sheet, and a sheet whose formula has no saved result).
- openpyxl-1904.xlsx: openpyxl with the 1904 date system.
- libreoffice.xlsx: LibreOffice Calc's conversion of a flat ODF spreadsheet (libreoffice.fods,
  written here) to xlsx: shared strings with Chinese text and a rich text run, dates, a
  percent, booleans, a formula error, a text formula result, gaps, a second sheet.
"""

import datetime
import os
import shutil
import subprocess
import tempfile

import openpyxl
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.utils.datetime import CALENDAR_MAC_1904

HERE = os.path.dirname(os.path.abspath(__file__))


def openpyxl_workbook():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "销售"
    ws.append(["日期", "渠道", "金额", "比例", "完成", "备注"])
    # Row 2: a date (openpyxl's default date format yyyy-mm-dd), float noise that %.16g keeps,
    # a percent, a boolean and a rich text run.
    ws.append([
        datetime.date(2025, 3, 1), "搜索推广", 2.675 * 3, 0.05, True,
        CellRichText(["普通", TextBlock(InlineFont(b=True), "粗体"), "文字"]),
    ])
    ws["D2"].number_format = "0%"
    # Row 3: date and time, an integer, a negative, an error cell.
    ws.append([
        datetime.datetime(2025, 3, 1, 14, 30, 15), "信息流", 11652, -42.5, False, "#DIV/0!",
    ])
    ws["A3"].number_format = "yyyy-mm-dd hh:mm:ss"
    # Row 4: the zh-CN custom date format, exponents both ways, #N/A.
    ws.append([datetime.date(2024, 2, 29), "Ａ＆Ｂ <x>", 1.5e20, 1e-05, None, "#N/A"])
    ws["A4"].number_format = 'yyyy"年"m"月"d"日"'
    # Row 5 left empty; row 6 sparse: A6 and D6 only, a time of day and a duration.
    ws["A6"] = datetime.time(8, 15, 0)
    ws["A6"].number_format = "hh:mm:ss"
    ws["D6"] = 1.5
    ws["D6"].number_format = "[h]:mm"
    # Row 8: a lone cell far right (column AB), with leading and trailing spaces.
    ws["AB8"] = "  空格  "

    second = wb.create_sheet("Second")
    second.append(["id", "value"])
    second.append(["a-1", 0.1 * 3])
    second.append(["a-2", -0.0])

    formulas = wb.create_sheet("Formulas")
    formulas["A1"] = 2
    formulas["B1"] = "=A1*2"  # openpyxl saves no result for a formula
    wb.save(os.path.join(HERE, "openpyxl.xlsx"))


def openpyxl_1904():
    wb = openpyxl.Workbook()
    wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws.title = "Mac"
    ws.append([datetime.date(2025, 3, 1), datetime.datetime(2025, 3, 1, 6, 0, 0)])
    ws.append([datetime.date(1904, 1, 2), 45717])
    ws["B1"].number_format = "yyyy-mm-dd hh:mm:ss"
    wb.save(os.path.join(HERE, "openpyxl-1904.xlsx"))


FODS = """<?xml version="1.0" encoding="UTF-8"?>
<office:document
 xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2"
 office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.spreadsheet">
 <office:automatic-styles>
  <number:date-style style:name="N1">
   <number:year number:style="long"/><number:text>年</number:text>
   <number:month/><number:text>月</number:text><number:day/><number:text>日</number:text>
  </number:date-style>
  <number:date-style style:name="N2">
   <number:year number:style="long"/><number:text>-</number:text>
   <number:month number:style="long"/><number:text>-</number:text>
   <number:day number:style="long"/><number:text> </number:text>
   <number:hours number:style="long"/><number:text>:</number:text>
   <number:minutes number:style="long"/><number:text>:</number:text>
   <number:seconds number:style="long"/>
  </number:date-style>
  <number:percentage-style style:name="N3">
   <number:number number:decimal-places="0" number:min-integer-digits="1"/>
   <number:text>%</number:text>
  </number:percentage-style>
  <number:boolean-style style:name="N4"><number:boolean/></number:boolean-style>
  <style:style style:name="ce1" style:family="table-cell" style:data-style-name="N1"/>
  <style:style style:name="ce2" style:family="table-cell" style:data-style-name="N2"/>
  <style:style style:name="ce3" style:family="table-cell" style:data-style-name="N3"/>
  <style:style style:name="ce4" style:family="table-cell" style:data-style-name="N4"/>
  <style:style style:name="T1" style:family="text">
   <style:text-properties fo:font-weight="bold" style:font-weight-asian="bold"
    style:font-weight-complex="bold" fo:color="#c00000"/>
  </style:style>
 </office:automatic-styles>
 <office:body>
  <office:spreadsheet>
   <table:table table:name="数据">
    <table:table-row>
     <table:table-cell office:value-type="string"><text:p>日期</text:p></table:table-cell>
     <table:table-cell office:value-type="string"><text:p>渠道</text:p></table:table-cell>
     <table:table-cell office:value-type="string"><text:p>金额</text:p></table:table-cell>
     <table:table-cell office:value-type="string"><text:p>比例</text:p></table:table-cell>
     <table:table-cell office:value-type="string"><text:p>完成</text:p></table:table-cell>
    </table:table-row>
    <table:table-row>
     <table:table-cell table:style-name="ce1" office:value-type="date"
      office:date-value="2025-03-01"><text:p>2025年3月1日</text:p></table:table-cell>
     <table:table-cell office:value-type="string"><text:p>搜索<text:span
      text:style-name="T1">推广</text:span></text:p></table:table-cell>
     <table:table-cell office:value-type="float" office:value="1798.1"/>
     <table:table-cell table:style-name="ce3" office:value-type="percentage"
      office:value="0.05"/>
     <table:table-cell table:style-name="ce4" office:value-type="boolean" office:boolean-value="true"/>
    </table:table-row>
    <table:table-row>
     <table:table-cell table:style-name="ce2" office:value-type="date"
      office:date-value="2025-03-02T09:05:30"/>
     <table:table-cell office:value-type="string"><text:p>信息流</text:p></table:table-cell>
     <table:table-cell table:formula="of:=0.1+0.2" office:value-type="float"
      office:value="0.3"/>
     <table:table-cell table:formula="of:=1/0"/>
     <table:table-cell table:style-name="ce4" office:value-type="boolean" office:boolean-value="false"/>
    </table:table-row>
    <table:table-row table:number-rows-repeated="2">
     <table:table-cell/>
    </table:table-row>
    <table:table-row>
     <table:table-cell table:number-columns-repeated="2"/>
     <table:table-cell table:formula="of:=&quot;合&quot;&amp;&quot;计&quot;"
      office:value-type="string" office:string-value="合计"/>
     <table:table-cell/>
     <table:table-cell office:value-type="float" office:value="-11652"/>
    </table:table-row>
   </table:table>
   <table:table table:name="汇总">
    <table:table-row>
     <table:table-cell office:value-type="string"><text:p>总计</text:p></table:table-cell>
     <table:table-cell office:value-type="float" office:value="12345.678"/>
    </table:table-row>
   </table:table>
  </office:spreadsheet>
 </office:body>
</office:document>
"""


def libreoffice_workbook():
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise SystemExit("soffice not found: apt-get install -y libreoffice-calc-nogui")
    with tempfile.TemporaryDirectory() as work:
        source = os.path.join(work, "libreoffice.fods")
        with open(source, "w", encoding="utf-8") as f:
            f.write(FODS)
        subprocess.run(
            [soffice, "--headless", f"-env:UserInstallation=file://{work}/profile",
             "--convert-to", "xlsx", "--outdir", work, source],
            check=True)
        shutil.copy(os.path.join(work, "libreoffice.xlsx"), os.path.join(HERE, "libreoffice.xlsx"))


if __name__ == "__main__":
    openpyxl_workbook()
    openpyxl_1904()
    libreoffice_workbook()
    print("wrote openpyxl.xlsx, openpyxl-1904.xlsx, libreoffice.xlsx in", HERE)
