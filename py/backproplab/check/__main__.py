"""``python -m backproplab.check REQUEST.json REPORT.json``: the CLI's child process.

REQUEST holds ``{files: {name: source}, functions, time_limit}``; the report is written to
REPORT (not stdout, which the student's code could write to through os.write).
"""

import json
import sys

from .report import check_files


def main(argv) -> int:
    request_path, report_path = argv
    with open(request_path, encoding="utf-8") as f:
        request = json.load(f)
    report = check_files(request["files"], functions=request.get("functions"),
                         time_limit=request.get("time_limit", 10.0))
    with open(report_path, "w", encoding="utf-8") as f:
        json.dump(report, f, allow_nan=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
