#!/usr/bin/python3
"""Turn results/ into a markdown summary (stdout)."""
import glob
import json
import os
import re
import statistics

R = os.environ.get('RESULTS') or os.path.join(os.path.dirname(os.path.abspath(__file__)), 'results')
PEERS = [('p5', 'P5 raw_limit (C, libmnl)'), ('nsl', 'nsl (star.lua, primitives)'), ('p1', 'P1 ip per command (ip -n)'),
         ('p1x', 'P1x ip per command (ip netns exec)'),
         ('p2', 'P2 ip -batch + ip -n NS -batch'), ('p2x', 'P2x one ip -batch, netns exec lines'),
         ('p3p', 'P3p pyroute2 pushns+IPRoute'), ('p3', 'P3 pyroute2 NetNS objects'),
         ('p4', 'P4 Mininet 2.3 LinuxBridge'),
         ('p5n', 'P5n raw_limit, IPv6 addrgenmode none (other workload)')]


def fb(path):
    """abrun.py output -> {('A','wall s'): (min, med, max), ...}"""
    out = {}
    if not os.path.exists(path):
        return out
    for line in open(path):
        m = re.match(r'^(A|B|A/B) (\w[\w ]*?)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*$', line)
        if m:
            out[(m.group(1), m.group(2))] = tuple(float(x) for x in m.groups()[2:])
        m = re.match(r'^runs counted: A (\d+)', line)
        if m:
            out['runs'] = int(m.group(1))
    return out


def check(path):
    d = {}
    if not os.path.exists(path):
        return d
    for line in open(path):
        m = re.search(r'max RSS (\d+) KiB', line)
        if m and line.startswith('setup'):
            d['rss_kib'] = int(m.group(1))
        for k in ('teardown_return_s', 'teardown_gone_s', 'setup_s'):
            if line.startswith(k + ' '):
                d[k] = float(line.split()[1])
        m = re.match(r'veths still present when teardown returned: (\d+) of (\d+)', line)
        if m:
            d['left'] = int(m.group(1))
        if 'ping' in line:
            d['ping'] = line.strip().endswith('ok')
        if line.startswith('clean:'):
            d['clean'] = True
    return d


def fmt(x, nd=3):
    return '-' if x is None else ('%.*f' % (nd, x))


rows = {}
for n in (100, 500, 1000):
    for p, _ in PEERS:
        f = fb(os.path.join(R, 'w1_%s_%d.fb.txt' % (p, n)))
        if p == 'p4':
            path = os.path.join(R, 'w1_p4_%d.json' % n)
            if not os.path.exists(path):
                continue
            js = []
            for line in open(path):
                try:
                    js.append(json.loads(line))
                except ValueError:
                    pass
            js = js[1:] if len(js) > 1 else js  # first line is the warm-up run
            if not js:
                continue
            med = lambda k: statistics.median(j[k] for j in js if k in j) if any(k in j for j in js) else None
            rows[(p, n)] = dict(setup=med('setup_s'), teardown=med('teardown_s'),
                                peak=f.get(('A', 'peak MiB'), (None,) * 3)[1],
                                cpu=f.get(('A', 'cpu s'), (None,) * 3)[1],
                                whole=f.get(('A', 'wall s'), (None,) * 3)[1],
                                import_s=med('import_s'), runs=len(js),
                                ping=all(j.get('ping_ok') for j in js))
            continue
        if not f:
            continue
        c = check(os.path.join(R, 'w1_%s_%d.check.txt' % (p, n)))
        rows[(p, n)] = dict(setup=f[('A', 'wall s')][1], teardown=f[('B', 'wall s')][1],
                            setup_rng=f[('A', 'wall s')], td_rng=f[('B', 'wall s')],
                            peak=f[('A', 'peak MiB')][1], peak_b=f[('B', 'peak MiB')][1],
                            cpu=f[('A', 'cpu s')][1], cpu_b=f[('B', 'cpu s')][1],
                            rss=c.get('rss_kib'), ret=c.get('teardown_return_s'),
                            gone=c.get('teardown_gone_s'), left=c.get('left'),
                            ping=c.get('ping'), runs=f.get('runs'))

print('# nsl against its peers: measured summary\n')
print('W1 star. setup/teardown = median wall of the whole command '
      '(teardown ends when the kernel has removed every bench link); P4 = phases '
      'timed inside one Mininet process (setup includes Python imports, not interpreter start-up). '
      'x P5 = ratio to P5 medians at the same N. RSS = /usr/bin/time max RSS of the setup command '
      '(largest single process), P4 = peak of the whole Mininet process.\n')
print('| N | peer | setup s | x P5 | ms/ns | teardown s | x P5 | ms/ns | setup cpu s | peak RSS MiB | runs | ping |')
print('|---|---|---|---|---|---|---|---|---|---|---|---|')
for n in (100, 500, 1000):
    base = rows.get(('p5', n))
    for p, label in PEERS:
        r = rows.get((p, n))
        if not r:
            continue
        xs = r['setup'] / base['setup'] if base and r['setup'] else None
        xt = r['teardown'] / base['teardown'] if base and r['teardown'] else None
        rss = r.get('rss')
        rss = rss / 1024 if rss else r.get('peak')
        print('| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |' % (
            n, label, fmt(r['setup']), fmt(xs, 1), fmt(r['setup'] / n * 1000 if r['setup'] else None, 2),
            fmt(r['teardown']), fmt(xt, 1), fmt(r['teardown'] / n * 1000 if r['teardown'] else None, 2),
            fmt(r.get('cpu')), fmt(rss, 1), r.get('runs'), 'ok' if r.get('ping') else 'FAIL'))
print()
print('Teardown detail (checked run): time for the teardown command to return vs. until the kernel removed the veths.\n')
print('| N | peer | returned s | links gone s | veths left at return |')
print('|---|---|---|---|---|')
for n in (100, 500, 1000):
    for p, label in PEERS:
        r = rows.get((p, n))
        if r and r.get('ret') is not None:
            print('| %d | %s | %s | %s | %s of %d |' % (n, label, fmt(r['ret']), fmt(r['gone']), r['left'], n))
print()
for n in (100, 500, 1000):
    r = rows.get(('p4', n))
    if r:
        print('P4 N=%d: whole process (median wall) %s s, cpu %s s, peak %s MiB, import %s s' % (
            n, fmt(r['whole']), fmt(r['cpu']), fmt(r['peak'], 1), fmt(r['import_s'])))
print()
w2 = os.path.join(R, 'w2.txt')
if os.path.exists(w2):
    print('## W2 exec (per /bin/true, ms; medians / 200)\n')
    text = open(w2).read()
    count = 200
    for sec in text.split('== ')[1:]:
        title = sec.splitlines()[0]
        f = {}
        for line in sec.splitlines():
            m = re.match(r'^(A|B|A/B) (\w[\w ]*?)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*$', line)
            if m:
                f[(m.group(1), m.group(2))] = float(m.group(4))
        if ('A', 'wall s') in f:
            print('- %s: A %.3f ms, B %.3f ms, A/B %.2f' % (
                title, f[('A', 'wall s')] / count * 1000, f[('B', 'wall s')] / count * 1000, f[('A/B', 'wall')]))
        js = [json.loads(l) for l in sec.splitlines() if l.startswith('{')]
        if js:
            for k in ('cmd_builtin_true_ms', 'cmd_bin_true_ms', 'popen_bin_true_ms'):
                print('- Mininet %s: median %.3f ms (5 processes)' % (k, statistics.median(j[k] for j in js)))
print()
for f in sorted(glob.glob(os.path.join(R, 'netns_async_*.txt'))):
    print('## ' + os.path.basename(f) + '\n')
    print('```')
    print(open(f).read().strip())
    print('```')
