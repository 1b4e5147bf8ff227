"""Run inside linuxforhealth-x12's own virtual environment: read one X12 file with it and
print each transaction model as JSON (a list), or {"error": ...} when it cannot read it."""

import json
import sys

from linuxforhealth.x12.io import X12ModelReader


def main(path: str) -> None:
    try:
        with X12ModelReader(path) as reader:
            models = [json.loads(model.json(exclude_none=True)) for model in reader.models()]
    except Exception as exc:  # the peer's own errors are what we report
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
        return
    print(json.dumps({"models": models}))


if __name__ == "__main__":
    main(sys.argv[1])
