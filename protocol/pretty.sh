#!/usr/bin/env bash
# Pretty-prints the example frames in place (key order kept). Run after regenerating them with
#   TILL_WRITE_EXAMPLES=1 swift test --filter ExampleTests/writeExamples
set -euo pipefail
cd "$(dirname "$0")/examples"
for f in *.json; do
  python3 -c 'import json,sys,collections; p=sys.argv[1]; d=json.load(open(p),object_pairs_hook=collections.OrderedDict); open(p,"w").write(json.dumps(d,indent=2,ensure_ascii=False)+"\n")' "$f"
done
