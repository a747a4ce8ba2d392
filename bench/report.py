"""The bench's one table, and its JSON under var/bench/ (<timestamp>.json and latest.json), with the
goals of issue 12 beside each ratio, marked met or not met."""

import json
from pathlib import Path

from bench.web import ROOT

REPORT_DIR = ROOT / "var" / "bench"

# Issue 12's goals: requests/s as a ratio to the floor app, this machine, one run.
PAGE_GOALS = {
    "catalogue": 0.5,
    "pathway_visitor": 0.5,
    "pathway_learner": 0.5,
    "dashboard": 0.35,
    "tick": 0.35,
}
PAGE_LABELS = {
    "catalogue": "catalogue /pathways/",
    "pathway_visitor": "pathway page, visitor",
    "pathway_learner": "pathway page, enrolled learner",
    "dashboard": "dashboard, learner on 3 pathways",
    "tick": "tick (htmx POST, toggling)",
    # No goal: what the app's middleware alone allows a page (bench/urls.py).
    "empty_visitor": "reference: empty view, visitor",
    "empty_signed_in": "reference: empty view, signed in",
}
SEND_GOAL = 0.3  # emails/s over plain messages/s
# "Flat" from the smallest size to the largest: queries per email no higher (to 0.01), and the
# dispatcher's peak memory within this factor of the smallest size's.
QUERIES_FLAT_SLACK = 0.01
MEMORY_FLAT_FACTOR = 1.2


def goal_cell(value, goal):
    if goal is None:
        return "(reference)"
    return f"≥{goal:.2f} {'met' if value >= goal else 'NOT met'}"


def judge(results):
    """Add each goal and whether it is met to `results` (in place)."""
    for database in results["pages"].values():
        for name, page in database["targets"].items():
            page["goal"] = PAGE_GOALS.get(name)
            page["met"] = None if page["goal"] is None else page["ratio"] >= page["goal"]
    send = results.get("send")
    if send:
        for row in send["sizes"]:
            row["goal"] = SEND_GOAL
            row["met"] = row["ratio"] >= SEND_GOAL
        small, large = send["sizes"][0], send["sizes"][-1]
        send["queries_flat"] = {
            "from": small["queries_per_email"],
            "to": large["queries_per_email"],
            "met": large["queries_per_email"] <= small["queries_per_email"] + QUERIES_FLAT_SLACK,
        }
        send["memory_flat"] = {
            "from": small["dispatch_peak_mib"],
            "to": large["dispatch_peak_mib"],
            "factor": MEMORY_FLAT_FACTOR,
            "met": large["dispatch_peak_mib"] <= small["dispatch_peak_mib"] * MEMORY_FLAT_FACTOR,
        }
    return results


def table(results):
    lines = []
    run = results["run"]
    lines.append(
        f"Career Pathways bench, {results['started_at']}: {run['cpus']} CPUs, gunicorn {run['workers']} "
        f"sync workers (DEBUG off, static files collected), wrk -t1 -c{run['connections']} "
        f"-d{run['seconds']}s on loopback, floor and page interleaved, median of {run['rounds']} rounds"
    )
    for database in results["pages"].values():
        load = database["load"]
        lines.append(
            f"{database['label']} (cache: {database['cache']}) data: {load['pathways']} pathways "
            f"({load['synthetic_pathways']} synthetic, "
            f"10–200 tasks), {load['learners']:,} learners, {load['enrolments']:,} enrolments, "
            f"{load['task_completions']:,} tasks done; measured pathway: {database['pathway']} "
            f"({load['seconds']:.0f}s to load)"
        )
    lines.append("")
    header = f"{'page':<34}"
    for database in results["pages"].values():
        header += (
            f" | {database['label'] + ' req/s':>17} {'floor':>6} {'ratio':>6} {'goal':>14} {'queries':>7}"
        )
    lines.append(header)
    lines.append("-" * len(header))
    for name, label in PAGE_LABELS.items():
        row = f"{label:<34}"
        for database in results["pages"].values():
            page = database["targets"][name]
            row += (
                f" | {page['rps']:>17.0f} {page['floor_rps']:>6.0f} {page['ratio']:>6.3f} "
                f"{goal_cell(page['ratio'], page['goal']):>14} {page['queries']:>7}"
            )
        lines.append(row)
    for database in results["pages"].values():
        slowest = min(database["targets"], key=lambda name: database["targets"][name]["rps"])
        page = database["targets"][slowest]
        lines.append(
            f"slowest on {database['label']}: {PAGE_LABELS[slowest]}, {page['rps']:.0f} req/s "
            f"(p50 {page['latency_p50_ms']:.0f} ms at {run['connections']} connections)"
        )

    send = results.get("send")
    if send:
        lines.append("")
        lines.append(
            "Weekly send, due learners on 1 to 3 seed pathways (PostgreSQL, one process, locmem email "
            "backend for both the digests and the plain messages). Every digest is claimed, the first "
            "`sent` of them are sent and timed: emails/s = learners / (dispatch + send per digest × learners)"
        )
        header = (
            f"{'learners':>9} {'enrolments':>10} {'sent':>6} {'emails/s':>9} {'plain/s':>8} {'ratio':>6} "
            f"{'goal':>14} "
            f"{'queries/email':>13} {'(claim + send)':>15} {'dispatch peak MiB':>17}"
        )
        lines.append(header)
        lines.append("-" * len(header))
        for row in send["sizes"]:
            split = f"({row['queries_per_claim']:.2f} + {row['queries_per_send']:.2f})"
            lines.append(
                f"{row['learners']:>9,} {row['enrolments']:>10,} {row['digests_sent']:>6,} "
                f"{row['emails_per_second']:>9.0f} "
                f"{row['plain_per_second']:>8.0f} {row['ratio']:>6.3f} "
                f"{goal_cell(row['ratio'], row['goal']):>14} "
                f"{row['queries_per_email']:>13.2f} {split:>15} {row['dispatch_peak_mib']:>17.2f}"
            )
        small, large = send["sizes"][0]["learners"], send["sizes"][-1]["learners"]
        flat = send["queries_flat"]
        lines.append(
            f"queries per email flat {small:,} → {large:,}: {flat['from']:.2f} → {flat['to']:.2f}  "
            f"{'met' if flat['met'] else 'NOT met'}"
        )
        memory = send["memory_flat"]
        lines.append(
            f"dispatcher peak memory flat {small:,} → {large:,} (within {memory['factor']}×): "
            f"{memory['from']:.2f} → {memory['to']:.2f} MiB  {'met' if memory['met'] else 'NOT met'}"
        )
    return "\n".join(lines)


def write(results, stamp):
    """Write the results as var/bench/<stamp>.json and var/bench/latest.json; returns the first."""
    REPORT_DIR.mkdir(parents=True, exist_ok=True)
    text = json.dumps(results, indent=2, ensure_ascii=False) + "\n"
    path = REPORT_DIR / f"{stamp}.json"
    path.write_text(text)
    (REPORT_DIR / "latest.json").write_text(text)
    return Path(path)
