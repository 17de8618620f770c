#!/usr/bin/env python3
"""Export every issue of a (simulated) JIRA Cloud site, with complete
changelogs ordered oldest first, as one `{"issues": [...]}` search page.

    claudedirector sim --preset large --now 2026-03-10T12:00:00Z --port 8089 &
    bench/export_sim.py http://127.0.0.1:8089 target/bench/large.json
    bench/export_sim.py http://127.0.0.1:8089 target/bench/10k.json --limit 10000

Standard library only. Credentials default to the simulator's.
"""
import argparse
import base64
import json
import os
import urllib.parse
import urllib.request


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("base")
    ap.add_argument("out")
    ap.add_argument("--user", default="demo@example.com")
    ap.add_argument("--token", default="demo-token")
    ap.add_argument("--limit", type=int, help="stop after this many issues")
    a = ap.parse_args()
    auth = "Basic " + base64.b64encode(("%s:%s" % (a.user, a.token)).encode()).decode()

    def get(path, **params):
        url = a.base + path + ("?" + urllib.parse.urlencode(params) if params else "")
        req = urllib.request.Request(url, headers={"Authorization": auth, "Accept": "application/json"})
        with urllib.request.urlopen(req) as r:
            return json.load(r)

    projects = [p["key"] for p in get("/rest/api/3/project")]
    jql = "project in (%s) order by key" % ",".join(projects)
    issues, token = [], None
    while True:
        params = {"jql": jql, "fields": "*all", "expand": "changelog", "maxResults": 100}
        if token:
            params["nextPageToken"] = token
        page = get("/rest/api/3/search/jql", **params)
        issues.extend(page.get("issues", []))
        token = page.get("nextPageToken")
        if page.get("isLast", True) or not token or (a.limit and len(issues) >= a.limit):
            break
    if a.limit:
        issues = issues[: a.limit]
    for issue in issues:
        log = issue.get("changelog") or {}
        histories = log.get("histories", [])
        total = log.get("total", len(histories))
        if total > len(histories):
            histories, start = [], 0
            while True:
                page = get("/rest/api/3/issue/%s/changelog" % issue["key"], startAt=start, maxResults=100)
                histories.extend(page.get("values", []))
                start += len(page.get("values", []))
                if page.get("isLast", True) or start >= total:
                    break
        # Oldest first: jira-agile-metrics reads the initial status from the first status item it meets.
        histories.sort(key=lambda h: (h["created"], int(h.get("id", 0))))
        issue["changelog"] = {"startAt": 0, "maxResults": len(histories), "total": len(histories), "histories": histories}
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump({"issues": issues}, f)
    print("%d issues -> %s" % (len(issues), a.out))


if __name__ == "__main__":
    main()
