"""Site build time, cold and warm."""
import json
from benchlib import ROOT

def run() -> dict:
    if not (ROOT/'tools'/'build_site.py').exists():
        return dict(status='missing', reason='no site builder (tools/build_site.py) has landed; `make site` only runs the lessons')
    raise NotImplementedError('site: not measured yet')

if __name__ == '__main__': print(json.dumps(run(), indent=1))
