"""Drives Hamnvakt's TAXII 2.1 server with the OASIS taxii2-client, as a partner would, and
prints what it saw as one JSON object for the Rust test to check.

usage: taxii_client.py DISCOVERY_URL TOKEN BUNDLE_TO_POST.json
"""
import json
import sys

from taxii2client.v21 import Server, as_pages

url, token, post_file = sys.argv[1], sys.argv[2], sys.argv[3]
# Basic with the token as the password: the way clients that only speak Basic log in.
server = Server(url, user="partner", password=token)
out = {"title": server.title, "api_roots": [r.url for r in server.api_roots]}
root = server.default
out["root_versions"] = root.versions
out["collections"] = {c.title: c.id for c in root.collections}
alliance = next(c for c in root.collections if c.title == "Alliance")
out["can_write"] = alliance.can_write

with open(post_file) as f:
    bundle = json.load(f)
status = alliance.add_objects(json.dumps(bundle))
out["status"] = {"status": status.status, "total": status.total_count,
                 "success": status.success_count, "failure": status.failure_count}
out["status_again"] = root.get_status(status.id).status

pages = []
ids = []
for envelope in as_pages(alliance.get_objects, per_request=2):
    objs = envelope.get("objects", [])
    pages.append(len(objs))
    ids.extend(o["id"] for o in objs)
out["pages"] = pages
out["ids"] = ids
out["types"] = sorted({i.split("--")[0] for i in ids})
indicators = alliance.get_objects(type="indicator")
out["indicators"] = len(indicators.get("objects", []))
first = ids[0]
out["one"] = alliance.get_object(first)["objects"][0]["id"]
out["versions"] = alliance.object_versions(first).get("versions", [])
manifest = alliance.get_manifest()
out["manifest"] = len(manifest.get("objects", []))
print(json.dumps(out))
