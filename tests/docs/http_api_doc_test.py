#!/usr/bin/env python3
"""docs/http-api.md against docs/openapi.json, both ways.

Every operation of the OpenAPI document (METHOD and path) must be named in
the guide as `METHOD /path` (in backticks; a query string after the path is
allowed), and every `METHOD /path` the guide names must be an operation of
the document, so neither can drift from the other. That the document
matches the routes the Api serves is tests/http/openapi_test.cc.

    http_api_doc_test.py docs/openapi.json docs/http-api.md

Prints what is missing where and exits 1, or prints the plain closing line
"N passed, 0 failed" and exits 0.
"""
import json
import re
import sys

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
# `GET /v1/campaigns/{id}` or `GET /v1/decide?user=u42`: the method, then the
# path up to a query, a space or the closing backtick.
MENTION = re.compile(r"`(GET|PUT|POST|DELETE|PATCH|HEAD|OPTIONS|TRACE) (/[^`?\s]*)[^`]*`")


def documented_operations(openapi_path):
    with open(openapi_path, encoding="utf-8") as f:
        document = json.load(f)
    return {(method.upper(), path)
            for path, item in document["paths"].items()
            for method in item if method in METHODS}


def guide_mentions(guide_path):
    with open(guide_path, encoding="utf-8") as f:
        text = f.read()
    return {(m.group(1), m.group(2)) for m in MENTION.finditer(text)}


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[-3].strip(), file=sys.stderr)
        return 2
    operations = documented_operations(argv[1])
    mentions = guide_mentions(argv[2])
    undocumented = sorted(operations - mentions)
    unknown = sorted(mentions - operations)
    for method, path in undocumented:
        print(f"FAIL: {method} {path} is in {argv[1]} but not in {argv[2]}")
    for method, path in unknown:
        print(f"FAIL: {argv[2]} names {method} {path}, which is not in {argv[1]}")
    failed = len(undocumented) + len(unknown)
    passed = len(operations & mentions)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
