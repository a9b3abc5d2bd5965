"""Description similarity on hand-made pairs: near duplicates in Chinese, English and both must be found, unrelated
complaints (even ones sharing the boilerplate "客户投诉" / "Customer complaint") must not."""
import pytest

from qr import similar

NEAR_DUPLICATES = [
    ("焊缝气孔，客户产线发现3件", "焊缝有气孔，客户线上发现5件"),
    ("支架焊接气孔导致客户投诉", "客户投诉：支架焊接处有气孔"),
    ("后保险杠支架焊点虚焊，客户入厂检验检出3件", "后保险杠支架焊点脱焊，客户线上发现2件"),
    ("Weld porosity on bracket found at customer line", "Porosity in bracket weld, found on customer's line"),
    ("Missing clip on door panel", "Door panel clip missing"),
    ("螺栓扭矩不足 Torque low on M8 bolt", "M8螺栓扭矩偏低"),
    ("ＧＰ１２：前围板毛刺超差", "GP12：前围板翻边毛刺超差"),                      # full-width forms fold
]
UNRELATED = [
    ("焊缝气孔，客户产线发现3件", "包装标签错误，数量不符"),
    ("Weld porosity on bracket found at customer line", "Wrong label on the shipping box"),
    ("Missing clip on door panel", "Paint scratch on bumper"),
    ("螺栓扭矩不足", "注塑件缩痕"),
    ("客户投诉：尺寸超差", "客户投诉：包装破损"),
    ("Customer complaint: dimension out of tolerance", "Customer complaint: damaged packaging"),
]


@pytest.mark.parametrize("first, second", NEAR_DUPLICATES)
def test_near_duplicates_are_found(first, second):
    assert similar.similarity(first, second) >= similar.THRESHOLD
    assert similar.similarity(second, first) >= similar.THRESHOLD


@pytest.mark.parametrize("first, second", UNRELATED)
def test_unrelated_complaints_are_not(first, second):
    assert similar.similarity(first, second) < similar.THRESHOLD


def test_boilerplate_alone_is_nothing_to_compare():
    assert similar.signature("客户投诉：") == ""
    assert similar.similarity("客户投诉", "客户投诉") == 0
    assert similar.most_similar("Customer complaint", {1: similar.signature("customer")}) == []


def test_most_similar_ranks_the_closest_first_and_leaves_the_rest_out():
    candidates = {1: "包装标签错误，数量不符", 2: "支架焊点虚焊", 3: "后保险杠支架焊点虚焊，客户检出3件", 4: "漆面划伤"}
    found = similar.most_similar("后保险杠支架焊点虚焊，客户线上发现",
                                 {ident: similar.signature(text) for ident, text in candidates.items()})
    assert [ident for ident, _ in found] == [3, 2]
    assert found[0][1] >= found[1][1] >= similar.THRESHOLD
    assert len(similar.most_similar("焊点虚焊", {n: similar.signature("焊点虚焊") for n in range(20)}, limit=5)) == 5


@pytest.mark.parametrize("part, family", [("5401-0317", "5401"), ("5401-0317/0318", "5401"), ("84012345", "84012"),
                                          ("brk_2201", "BRK"), ("A1-22", "A1-22"), ("—", ""), ("", ""), ("Q18", "Q18")])
def test_part_family(part, family):
    assert similar.part_family(part) == family


def test_a_part_number_without_letters_or_digits_matches_nothing():
    assert similar.part_key("—") == "" and similar.part_key(" 5401-0317 ") == "5401-0317"
