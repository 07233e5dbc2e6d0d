import unicodedata

import pytest

from engine.core.names import match_key, slug


@pytest.mark.parametrize("a, b", [
    ("Văn hoá - Thông tin", "Văn hóa - Thông tin"),              # old vs new tone placement
    ("Uỷ ban nhân dân", "Ủy ban nhân dân"),
    ("thuỷ lợi", "thủy lợi"),
    ("Văn hóa - Xã hội", unicodedata.normalize("NFD", "Văn hóa - Xã hội")),   # NFD vs NFC
    ("TƯ PHÁP - HỘ TỊCH", "tư pháp - hộ tịch"),                   # case
    ("Tư pháp-Hộ tịch", "Tư pháp - Hộ tịch"),                     # spacing around the hyphen
    ("Văn phòng – Thống kê", "Văn phòng - Thống kê"),             # en dash
    ("Công chức Tư pháp - Hộ tịch", "Tư pháp - Hộ tịch"),         # the title is not the unit
    ("Cán bộ Văn phòng đảng ủy - nội vụ", "Văn phòng Đảng uỷ - Nội vụ"),
    ("Các ban, ngành cấp xã", "Các ban ngành cấp xã"),
    ("  Phòng Kinh tế. ", "Phòng Kinh tế"),
])
def test_spellings_of_one_name_match(a, b):
    assert match_key(a) == match_key(b)


@pytest.mark.parametrize("a, b", [
    ("Hộ tịch", "Hồ tịch"),            # a different tone is a different word
    ("Văn hóa - Xã hội", "Phòng Văn hóa - Xã hội"),
    ("Tài chính", "Tài chính - Kế toán"),
])
def test_different_names_do_not_match(a, b):
    assert match_key(a) != match_key(b)


def test_slug_is_ascii():
    assert slug("Đài truyền thanh xã") == "dai-truyen-thanh-xa"
    assert slug("Tư pháp - Hộ tịch") == "tu-phap-ho-tich"
