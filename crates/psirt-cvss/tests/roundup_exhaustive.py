"""Exhaustive check, run by hand: over the whole CVSS v3.0/v3.1 value space, does FIRST's
Roundup (specification v3.1 Appendix A, what psirt-cvss implements) ever differ from the exact
decimal ceiling that Red Hat's `cvss` package (the oracle) computes? Prints the disagreements.
Result with cvss 3.6: none, for the temporal/environmental outer rounding and for the base and
modified base (both scopes, both minor versions) inner rounding.
"""
from decimal import Decimal as D, getcontext, ROUND_CEILING
import itertools, math
getcontext().prec = 60
def first_roundup(x):  # FIRST Appendix A on the float value
    i = round(float(x) * 100000)
    return i/100000.0 if i % 10000 == 0 else (math.floor(i/10000)+1)/10.0
def exact_ceil(x):
    return float(x.quantize(D("0.1"), rounding=ROUND_CEILING))
bad = []
# temporal / env outer: s (one decimal) * E * RL * RC
E=[D("1"),D("0.97"),D("0.94"),D("0.91")]; RL=[D("1"),D("0.97"),D("0.96"),D("0.95")]; RC=[D("1"),D("0.96"),D("0.92")]
for s in range(0,101):
    for e,rl,rc in itertools.product(E,RL,RC):
        x = D(s)/10*e*rl*rc
        if first_roundup(x) != exact_ceil(x): bad.append(("temporal", s/10, e, rl, rc, x))
print("temporal-type disagreements:", len(bad), bad[:5])
# environmental inner (and base as special case), both scopes, both minors
AV=[D(".85"),D(".62"),D(".55"),D(".2")]; AC=[D(".77"),D(".44")]; UI=[D(".85"),D(".62")]
PRU=[D(".85"),D(".62"),D(".27")]; PRC=[D(".85"),D(".68"),D(".5")]
CIA=[D(".56"),D(".22"),D("0")]; REQ=[D("1.5"),D("1"),D(".5")]
bad2=0; ex=[]
expl_u = set(D("8.22")*a*c*p*u for a in AV for c in AC for p in PRU for u in UI)
expl_c = set(D("8.22")*a*c*p*u for a in AV for c in AC for p in PRC for u in UI)
misses=set()
for mc,mi,ma,cr,ir,ar in itertools.product(CIA,CIA,CIA,REQ,REQ,REQ):
    misses.add(min(1-(1-mc*cr)*(1-mi*ir)*(1-ma*ar), D(".915")))
for miss in misses:
    for scope in "UC":
        for minor in (0,1):
            if scope=="U":
                imp = D("6.42")*miss
                if minor==1: pass
            elif minor==0:
                imp = D("7.52")*(miss-D("0.029")) - D("3.25")*(miss-D("0.02"))**15
            else:
                imp = D("7.52")*(miss-D("0.029")) - D("3.25")*(miss*D("0.9731")-D("0.02"))**13
            if imp <= 0: continue
            for ex_ in (expl_u if scope=="U" else expl_c):
                x = min(imp+ex_, D(10)) if scope=="U" else min(D("1.08")*(imp+ex_), D(10))
                if first_roundup(x) != exact_ceil(x):
                    bad2+=1
                    if len(ex)<10: ex.append((scope,minor,str(miss),str(ex_),str(x)))
print("environmental-inner disagreements:", bad2, ex)
