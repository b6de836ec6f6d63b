"""Explorer update latency: the time one slider change takes to redraw an explorer (lessonkit.widgets)."""
import json
from benchlib import ROOT

def run() -> dict:
    if not (ROOT/'lessonkit'/'widgets.py').exists():
        return dict(status='missing', reason='lessonkit/widgets.py has not landed')
    raise NotImplementedError('explorers: not measured yet')

if __name__ == '__main__': print(json.dumps(run(), indent=1))
