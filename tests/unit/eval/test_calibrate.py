"""python -m eval.calibrate on a small set: it runs, writes a file that loads, and
its thresholds do what their definitions say."""

import json

from eval.calibrate import MAX_DECLINED, calibrate
from qa.calibration import Calibration
from tests.conftest import SHARED, shared


def test_calibrate_on_a_small_set_writes_a_loadable_file(tmp_path):
    shared(SHARED / "squad-dev-half")
    cal = calibrate(SHARED, tmp_path / "work", None, sample=30, model="hash:64",
                    only={"squad", "demo", "alone-port-elsin-ferry"})  # fmt: skip
    data = cal.to_dict()
    again = Calibration.from_dict(json.loads(json.dumps(data)), "test")
    assert again.sentence == cal.sentence and again.confidence == cal.confidence
    assert 0 < again.tentative_at <= again.answer_at < 1 and again.answer_at >= 0.5
    report = data["report"]
    assert {"tune:squad-original", "report:squad-original", "tune:squad-removed"} <= set(report)
    for key, row in report.items():  # declines of answerable tuning questions stay within the rule
        if key.startswith("tune:") and "reliability" not in key and row["answerable"]:
            assert row["declined_answerable"] <= MAX_DECLINED + 1 / row["answerable"], (key, row)
    assert data["tuned_on"] and all(not g.startswith("seed") for g in data["tuned_on"])
    assert sum(b["count"] for b in report["report:reliability"]["bins"]) == data["questions"]["report"]
