#!/usr/bin/python3
"""openapi.yaml against the route table, its declared inputs and the error registry.

Fails when a route (method + path), one of its declared query parameters or
body fields is in the router but not in openapi.yaml, or the reverse; when a
declaration and the spec disagree on required, type, bounds or choices; when
the "public" flag disagrees with the spec's security; or when the spec's
error codes are not exactly server/errors.def's; or when the KIS passthrough's
table (KIS's own paths, not JSON-API routes: they live under the top-level
x-kisgw-passthrough, not under paths) and the spec's list differ.

Usage: routes_check.py ROUTES_DUMP_EXE openapi.yaml server/errors.def
"""
import json
import re
import subprocess
import sys

import yaml

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
INT64_MAX = 2**63 - 1


def resolve(spec, node):
    while isinstance(node, dict) and "$ref" in node:
        node_path = node["$ref"].lstrip("#/").split("/")
        node = spec
        for p in node_path:
            node = node[p.replace("~1", "/").replace("~0", "~")]
    return node


def variants(spec, schema):
    """The non-null alternatives of a schema (oneOf/anyOf with null, type lists)."""
    schema = resolve(spec, schema)
    for key in ("oneOf", "anyOf"):
        if key in schema:
            out = []
            for s in schema[key]:
                out += variants(spec, s)
            return out
    if schema.get("type") == "null":
        return []
    return [schema]


def types_of(schema):
    t = schema.get("type")
    return set(t if isinstance(t, list) else [t]) - {"null"}


def compare(spec, where, f, schema):
    """Problems between one declared field and its spec schema."""
    out = []
    vs = variants(spec, schema)
    if len(vs) != 1:
        return ["%s: the spec's schema has %d non-null forms" % (where, len(vs))]
    s = vs[0]
    code = resolve(spec, spec["components"]["schemas"]["Code"])
    date = resolve(spec, spec["components"]["schemas"]["Date"])
    t = f["type"]
    if t == "code" and s is not code and s.get("pattern") != code["pattern"]:
        out.append("%s: declared a stock code, the spec does not use the Code schema" % where)
    elif t == "date" and s is not date and s.get("format") != "date":
        out.append("%s: declared a date, the spec does not use the Date schema" % where)
    elif t == "integer":
        if types_of(s) != {"integer"}:
            out.append("%s: declared an integer, the spec says %s" % (where, types_of(s)))
        if s.get("minimum") != f["min"]:
            out.append("%s: minimum %s in the router, %s in the spec" % (where, f["min"], s.get("minimum")))
        if f["max"] != INT64_MAX and s.get("maximum") != f["max"]:
            out.append("%s: maximum %s in the router, %s in the spec" % (where, f["max"], s.get("maximum")))
    elif t == "enum" and set(s.get("enum", [])) != set(f["choices"]):
        out.append("%s: choices %s in the router, %s in the spec" % (where, f["choices"], s.get("enum")))
    elif t == "string" and types_of(s) != {"string"}:
        out.append("%s: declared a string, the spec says %s" % (where, types_of(s)))
    elif t == "boolean" and types_of(s) != {"boolean"}:
        out.append("%s: declared a boolean, the spec says %s" % (where, types_of(s)))
    elif t not in ("code", "date", "integer", "enum", "string", "boolean"):
        out.append("%s: declared type '%s', which this check does not know yet" % (where, t))
    return out


def main():
    dump, spec_path, errors_def = sys.argv[1:4]
    routes = json.loads(subprocess.check_output([dump]))
    with open(spec_path, encoding="utf-8") as f:
        spec = yaml.safe_load(f)
    problems = []
    seen = set()
    nfields = 0
    for r in routes:
        key = (r["method"].lower(), r["pattern"])
        seen.add(key)
        item = spec.get("paths", {}).get(r["pattern"])
        op = item.get(key[0]) if item else None
        where = "%s %s" % (r["method"], r["pattern"])
        if op is None:
            problems.append("%s: in the router, not in openapi.yaml" % where)
            continue
        params = [resolve(spec, p) for p in item.get("parameters", []) + op.get("parameters", [])]
        query = {p["name"]: p for p in params if p.get("in") == "query"}
        declared = {f["name"]: f for f in r["query"]}
        for name in sorted(set(declared) - set(query)):
            problems.append("%s: query parameter '%s' in the router, not in the spec" % (where, name))
        for name in sorted(set(query) - set(declared)):
            problems.append("%s: query parameter '%s' in the spec, not in the router" % (where, name))
        for name in sorted(set(declared) & set(query)):
            f, p = declared[name], query[name]
            nfields += 1
            w = "%s ?%s" % (where, name)
            if bool(f["required"]) != bool(p.get("required")):
                problems.append("%s: required=%d in the router, %s in the spec" % (w, f["required"], p.get("required")))
            problems += compare(spec, w, f, p.get("schema", {}))

        body = resolve(spec, op.get("requestBody", {}))
        if r["body"] is None:
            # a body the handler checks itself (a list, a settings map) says so
            if body and not body.get("x-kisgw-checked-by-handler"):
                problems.append("%s: the spec has a request body, the router declares none "
                                "(x-kisgw-checked-by-handler: true if the handler reads one)" % where)
        elif not body.get("required"):
            problems.append("%s: the router requires a JSON body, the spec does not" % where)
        else:
            schema = resolve(spec, body["content"]["application/json"]["schema"])
            props = schema.get("properties", {})
            fields = {f["name"]: f for f in r["body"]}
            for name in sorted(set(fields) - set(props)):
                problems.append("%s: body field '%s' in the router, not in the spec" % (where, name))
            for name in sorted(set(props) - set(fields)):
                problems.append("%s: body field '%s' in the spec, not in the router" % (where, name))
            want_req = {n for n, f in fields.items() if f["required"] and "when" not in f}
            if want_req != set(schema.get("required", [])):
                problems.append("%s: required body fields %s in the router, %s in the spec"
                                % (where, sorted(want_req), sorted(schema.get("required", []))))
            if schema.get("additionalProperties", True) is not False:
                problems.append("%s: the router refuses unknown body fields; the spec should say "
                                "additionalProperties: false" % where)
            for name in sorted(set(fields) & set(props)):
                nfields += 1
                problems += compare(spec, "%s body.%s" % (where, name), fields[name], props[name])

        public = op.get("security", spec.get("security")) == []
        if bool(r["public"]) != public:
            problems.append("%s: router public=%d, spec security %s"
                            % (where, r["public"], op.get("security", "(global)")))
    for path, item in spec.get("paths", {}).items():
        for m in METHODS:
            if m in item and (m, path) not in seen:
                problems.append("%s %s: in openapi.yaml, not in the router" % (m.upper(), path))

    with open(errors_def, encoding="utf-8") as f:
        codes = set(re.findall(r'^X\(\s*\w+\s*,\s*"([a-z_]+)"', f.read(), re.M))
    enum = set(spec["components"]["schemas"]["Error"]["properties"]["error"]
               ["properties"]["code"]["enum"])
    for c in sorted(codes - enum):
        problems.append("error code '%s' in errors.def, not in the spec's Error enum" % c)
    for c in sorted(enum - codes):
        problems.append("error code '%s' in the spec's Error enum, not in errors.def" % c)

    # The KIS passthrough: not routes of the JSON API (KIS's protocol, KIS's
    # errors), listed under x-kisgw-passthrough.calls as {path, serve, tr_ids}.
    table = json.loads(subprocess.check_output([dump, "--passthrough"]))
    want = {(c["path"], c["serve"], t) for c in table for t in c["tr_ids"]}
    have = {(c["path"], c["serve"], t)
            for c in spec.get("x-kisgw-passthrough", {}).get("calls", []) for t in c["tr_ids"]}
    for c in sorted(want - have):
        problems.append("passthrough call %s %s %s in the table, not in x-kisgw-passthrough" % c)
    for c in sorted(have - want):
        problems.append("passthrough call %s %s %s in x-kisgw-passthrough, not in the table" % c)

    for p in problems:
        print("openapi.yaml out of step: " + p)
    if problems:
        return 1
    print("openapi.yaml matches %d routes, %d declared inputs, %d error codes and %d "
          "passthrough tr_ids" % (len(routes), nfields, len(codes), len(want)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
