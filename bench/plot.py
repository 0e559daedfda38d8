#!/usr/bin/env python3
"""Draws the wall time of check and compile against the number of services (log-log) as SVG.

usage: plot.py cli.csv out.svg
"""
import csv
import math
import sys

W, H, LEFT, RIGHT, TOP, BOTTOM = 640, 400, 70, 150, 30, 50
COLORS = {"check": "#1f77b4", "compile": "#d62728"}
TARGETS = {"check": 1.0, "compile": 2.0}


def main():
    rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["command"] in COLORS]
    series = {}
    for r in rows:
        series.setdefault(r["command"], []).append((int(r["size"]), float(r["mean_s"])))
    xs = [n for pts in series.values() for n, _ in pts]
    ys = [t for pts in series.values() for _, t in pts] + list(TARGETS.values())
    x0, x1 = math.log10(min(xs)), math.log10(max(xs))
    y0, y1 = math.floor(math.log10(min(ys))), math.ceil(math.log10(max(ys)))
    px = lambda n: LEFT + (math.log10(n) - x0) / (x1 - x0 or 1) * (W - LEFT - RIGHT)
    py = lambda t: H - BOTTOM - (math.log10(t) - y0) / (y1 - y0 or 1) * (H - TOP - BOTTOM)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{W / 2 - 60}" y="18">wall time vs services (log-log)</text>']
    for e in range(y0, y1 + 1):
        y = py(10 ** e)
        out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{W - RIGHT}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end">{10 ** e:g} s</text>')
    for n in sorted(set(xs)):
        x = px(n)
        out.append(f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{H - BOTTOM}" stroke="#ddd"/>')
        out.append(f'<text x="{x:.1f}" y="{H - BOTTOM + 18}" text-anchor="middle">{n:,}</text>')
    out.append(f'<text x="{(LEFT + W - RIGHT) / 2}" y="{H - 10}" text-anchor="middle">'
               f'services</text>')
    for i, (cmd, pts) in enumerate(sorted(series.items())):
        color = COLORS[cmd]
        pts.sort()
        path = " ".join(f"{px(n):.1f},{py(t):.1f}" for n, t in pts)
        out.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
        for n, t in pts:
            out.append(f'<circle cx="{px(n):.1f}" cy="{py(t):.1f}" r="3.5" fill="{color}"/>')
        y = py(TARGETS[cmd])
        out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{W - RIGHT}" y2="{y:.1f}" '
                   f'stroke="{color}" stroke-dasharray="5,4"/>')
        ly = TOP + 20 + i * 40
        out.append(f'<line x1="{W - RIGHT + 10}" y1="{ly}" x2="{W - RIGHT + 30}" y2="{ly}" '
                   f'stroke="{color}" stroke-width="2"/>')
        out.append(f'<text x="{W - RIGHT + 35}" y="{ly + 4}">{cmd}</text>')
        out.append(f'<line x1="{W - RIGHT + 10}" y1="{ly + 16}" x2="{W - RIGHT + 30}" '
                   f'y2="{ly + 16}" stroke="{color}" stroke-dasharray="5,4"/>')
        out.append(f'<text x="{W - RIGHT + 35}" y="{ly + 20}">target at 50k</text>')
    out.append("</svg>")
    open(sys.argv[2], "w").write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
