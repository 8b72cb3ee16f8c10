"""Writes the committed import fixtures (run once with /usr/bin/python3; the outputs are committed).

Each fixture imitates a real lab sheet; tests/test_import_*.py state the expected values by hand.
"""

from __future__ import annotations

import datetime as dt
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def gbk_chinese_headers() -> None:
    # GBK from Chinese Excel: Chinese headers, the unit in the concentration header, dates in three
    # spellings, DMS and decimal coordinates, compound synonyms.
    lines = [
        "样品编号,点位,镇,样品类型,东经,北纬,采样日期,毒品种类,浓度(μg/L),检出限",
        "S1,城关1号,城关镇,污水,113°54′21.6″,23°12′42.7″,2024/3/5,冰毒,0.0496,0.0005",
        "S1,城关1号,城关镇,污水,113°54′21.6″,23°12′42.7″,2024/3/5,K粉,0.00332,0.0003",
        "S2,西岭2号,西岭镇,生活污水,113.8810,23.1502,2024年5月20日,摇头丸,未检出,0.0005",
        "S2,西岭2号,西岭镇,生活污水,113.8810,23.1502,2024年5月20日,苯丙胺,<0.0005,",
        "S3,南塘3号,南塘镇,污水厂进水,113.9200,23.1000,2024-08-21,吗啡,0.0121,0.0002",
        "S3,南塘3号,南塘镇,污水厂进水,113.9200,23.1000,2024-08-21,可待因,abc,0.0002",
    ]
    with open(os.path.join(HERE, "gbk_chinese_headers.csv"), "wb") as handle:
        handle.write(("\r\n".join(lines) + "\r\n").encode("gbk"))


def mixed_units() -> None:
    lines = [
        "site,lon,lat,date,medium,compound,concentration,unit",
        "A,113.9,23.2,2024-02-01,sewage,methamphetamine,12.5,ng/L",
        "A,113.9,23.2,2024-02-01,sewage,amphetamine,0.0125,µg/L",
        "A,113.9,23.2,2024-02-01,sewage,ketamine,0.0125,μg/L",
        "A,113.9,23.2,2024-02-01,sewage,MDMA,0.0125,ug/L",
        "A,113.9,23.2,2024-02-01,sewage,morphine,0.0000125,mg/L",
        "A,113.9,23.2,2024-02-01,sewage,codeine,0.0125,ng/mL",
        "A,113.9,23.2,2024-02-01,sewage,cotinine,12.5,pg/mL",
        "B,113.8,23.1,2024-02-02,soil,methamphetamine,3.5,ng/g",
        "B,113.8,23.1,2024-02-02,soil,amphetamine,3.5,µg/kg",
        "B,113.8,23.1,2024-02-02,sediment,ketamine,0.0035,mg/kg",
        "B,113.8,23.1,2024-02-02,soil,MDMA,3.5,ppm",
        "B,113.8,23.1,2024-02-02,soil,morphine,3.5,ng/L",
        "A,113.9,23.2,2024-02-01,sewage,norketamine,3.5,ng/g",
    ]
    with open(os.path.join(HERE, "mixed_units.csv"), "w", encoding="utf-8", newline="") as handle:
        handle.write("\n".join(lines) + "\n")


NON_DETECTS = ["<LOD", "<LOQ", "<0.5", "ND", "n.d.", "未检出", "低于检出限", "", "nd", "N.D.", "＜0.3", "ND(<0.2)", "<定量限", "BLQ"]


def nondetects() -> None:
    lines = ["采样点,经度,纬度,采样日期,目标物,浓度,单位,检出限"]
    for i, cell in enumerate(NON_DETECTS):
        lines.append(f"P{i:02d},113.9,23.2,2024-04-0{1 + i % 9},甲基苯丙胺,{cell},ng/L,0.8")
    with open(os.path.join(HERE, "nondetects.csv"), "w", encoding="utf-8-sig", newline="") as handle:
        handle.write("\n".join(lines) + "\n")


def gcj02() -> None:
    # GCJ-02 sides of eviltransform's published reference pairs (python/test.py), plus Tokyo, outside China.
    lines = [
        "site,lon,lat,date,compound,concentration",
        "shanghai,121.531541859215,31.17530398364597,2024-06-01,methamphetamine,10",
        "shenzhen,113.9171764808363,22.540796131694766,2024-06-01,methamphetamine,20",
        "beijing,116.38404722455657,39.91334545536069,2024-06-01,methamphetamine,30",
        "tokyo,139.6917,35.6895,2024-06-01,methamphetamine,40",
    ]
    with open(os.path.join(HERE, "gcj02.csv"), "w", encoding="utf-8", newline="") as handle:
        handle.write("\n".join(lines) + "\n")


def wide_xlsx() -> None:
    import openpyxl

    book = openpyxl.Workbook()
    cover = book.active
    cover.title = "说明"  # an empty cover sheet, as lab workbooks often have
    sheet = book.create_sheet("结果")
    sheet.append(["采样点", "乡镇", "经度", "纬度", "采样日期", "甲基苯丙胺(ng/L)", "氯胺酮(ng/L)", "MDMA(μg/L)", "吗啡", "备注"])
    sheet.append(["W1", "城关镇", 113.905996, 23.211867, dt.datetime(2024, 2, 22), 49.6, 3.32, "<LOD", "ND", "晴"])
    sheet.append(["W2", "城关镇", 113.901358, 23.22583, 45343, 12.0, None, 0.0021, 1.5, ""])
    sheet.append([None] * 10)
    sheet.append(["W3", "西岭镇", "113°52′48″E", "23°09′00″N", "2024年8月21日", "待测", 0.8, "<0.001", 2.25, ""])
    book.save(os.path.join(HERE, "wide.xlsx"))


if __name__ == "__main__":
    gbk_chinese_headers()
    mixed_units()
    nondetects()
    gcj02()
    wide_xlsx()
