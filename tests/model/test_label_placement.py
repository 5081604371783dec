"""The shared label placement pass (Qt-free, matplotlib-free)."""

from __future__ import annotations

import random
import time

import pandas as pd
import pytest

from sahelgis.model import label_placement as lp

FRAME = lp.Frame.from_extent((0.0, 0.0, 1000.0, 500.0), 100.0, 50.0)  # 10 m/unit


def cand(x, y, w=10.0, h=2.0, **kw):
    return lp.LabelCandidate(x=x, y=y, width=w, height=h, **kw)


def test_frame_maps_metres_to_renderer_units():
    assert FRAME.to_frame(0.0, 0.0) == (0.0, 0.0)
    assert FRAME.to_frame(1000.0, 500.0) == (100.0, 50.0)


def test_higher_class_wins_the_same_spot_whatever_the_input_order():
    labels = [
        cand(500, 250, rank=lp.AREA, key="cercle"),
        cand(500, 250, rank=lp.TOWN, key="town"),
        cand(500, 250, rank=lp.CAPITAL, key="capital"),
    ]
    result = lp.place_labels(labels, FRAME)
    assert [labels[p.index].key for p in result.placed] == ["capital"]
    assert sorted(result.dropped) == [0, 1]


def test_within_a_class_the_heavier_label_goes_first():
    labels = [cand(500, 250, weight=10.0), cand(500, 250, weight=5e6)]
    result = lp.place_labels(labels, FRAME)
    assert [p.index for p in result.placed] == [1]


def test_point_label_falls_back_to_other_positions():
    # two towns side by side: the second goes left, then above, …
    labels = [
        cand(500, 250, point=True, offset=1.0, weight=3),
        cand(500, 250, point=True, offset=1.0, weight=2),
        cand(500, 250, point=True, offset=1.0, weight=1),
    ]
    result = lp.place_labels(labels, FRAME)
    assert [p.position for p in result.placed] == ["right", "left", "above"]
    right = result.placed[0].box
    assert right == (51.0, 24.0, 61.0, 26.0)
    assert lp.count_overlaps([p.box for p in result.placed]) == 0


def test_obstacles_push_labels_aside_or_drop_them():
    scale_bar = (0.0, 0.0, 30.0, 5.0)
    labels = [
        cand(100, 50, point=True, offset=1.0),  # right of it lies the bar
        cand(150, 50, w=20),  # on the bar, nudged up onto the first label
    ]
    result = lp.place_labels(labels, FRAME, [scale_bar])
    assert result.dropped == [1]
    (placed,) = result.placed
    assert placed.position == "above"  # right is on the bar, left off the map
    assert not lp.boxes_overlap(placed.box, scale_bar)


def test_a_road_shield_moves_along_its_road():
    town = cand(500, 250, rank=lp.TOWN, w=10, h=10)
    shield = cand(500, 250, rank=lp.ROAD_SHIELD, alternates=((800, 250),))
    result = lp.place_labels([shield, town], FRAME)
    assert [(p.index, p.position) for p in result.placed] == [
        (1, "centre"),
        (0, "along"),
    ]
    assert result.placed[1].box == (75.0, 24.0, 85.0, 26.0)


def test_labels_off_the_frame_are_dropped():
    labels = [cand(995, 250, point=True, offset=1.0, w=80), cand(-50, 250)]
    result = lp.place_labels(labels, FRAME)
    assert result.dropped == [1]
    assert result.placed[0].position == "left"  # no room on the right


def test_symbols_are_kept_free_except_by_higher_classes():
    town = cand(560, 250, point=True, symbol=2.0, rank=lp.TOWN, w=4)
    area = cand(560, 250, rank=lp.AREA, w=20, h=8)  # a cercle name on the dot
    result = lp.place_labels([town, area], FRAME)
    assert [p.position for p in result.placed] == ["right", "centre above"]
    dot = (55.0, 24.0, 57.0, 26.0)
    assert not lp.boxes_overlap(result.placed[1].box, dot)

    # a capital's name may cover a suburb's (here huge) dot when nothing
    # else is free, a town's name may not
    def named(rank):
        suburb = cand(520, 250, point=True, symbol=30.0, rank=lp.TOWN, w=1, h=1)
        place = cand(500, 250, point=True, symbol=2.0, rank=rank, w=8)
        return lp.place_labels([place, suburb], FRAME)

    assert [p.position for p in named(lp.CAPITAL).placed if p.index == 0] == ["right"]
    assert 0 in named(lp.TOWN).dropped


def test_label_classes_and_weights_from_layers():
    assert lp.label_rank("places", "point") == lp.CAPITAL
    assert lp.label_rank("towns", "point") == lp.TOWN
    assert lp.label_rank("roads", "line") == lp.ROAD_SHIELD
    assert lp.label_rank("cercles", "polygon") == lp.AREA
    assert lp.label_rank("analysis", "point") == lp.OTHER
    data = pd.DataFrame(
        {
            "population": [148_000, 4_200_000, None],
            "is_national_capital": [False, True, None],
        }
    )
    weights = lp.label_weights(data)
    assert weights.argmax() == 1
    assert weights[2] == 0.0


def test_count_overlaps_counts_pairs_and_furniture():
    boxes = [(0, 0, 2, 2), (1, 1, 3, 3), (5, 5, 6, 6)]
    assert lp.count_overlaps(boxes) == 1
    assert lp.count_overlaps(boxes, [(5.5, 5.5, 9, 9), (8, 8, 9, 9)]) == 2
    assert lp.count_overlaps([(0, 0, 1, 1), (1, 0, 2, 1)]) == 0  # touching


@pytest.mark.parametrize("seed", [1, 2])
def test_a_demo_sized_pass_is_fast_and_clean(seed):
    rng = random.Random(seed)
    w, h = 1366.0, 768.0
    frame = lp.Frame.from_extent((0.0, 0.0, w * 100, h * 100), w, h)
    labels = [
        lp.LabelCandidate(
            x=rng.uniform(0, w * 100),
            y=rng.uniform(0, h * 100),
            width=rng.uniform(30, 90),
            height=14.0,
            rank=rng.randint(0, 4),
            weight=rng.random(),
            point=rng.random() < 0.6,
            offset=5.0,
            symbol=6.0,
        )
        for _ in range(300)
    ]
    furniture = [(0, 0, 200, 40), (w - 300, h - 40, w, h), (0, h - 30, 300, h)]
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        result = lp.place_labels(labels, frame, furniture)
        best = min(best, time.perf_counter() - start)
    assert best < 0.005, f"{best * 1000:.1f} ms for 300 candidates"
    boxes = [p.box for p in result.placed]
    assert len(boxes) > 150
    assert lp.count_overlaps(boxes, furniture) == 0
    assert len(result.placed) + len(result.dropped) == len(labels)
