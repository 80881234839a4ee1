#!/usr/bin/env python3
"""A black-box check of a running tilld against protocol/PROTOCOL.md, written from the spec alone (no Till code):
framing, envelope, the JSON rules, sessions, every documented limit at and just past it, exactly once, voids and
returns, operator ops. The daemon must run on a fresh embedded default store (the demo catalog and members, plain
TCP): `tilld --listen 127.0.0.1:PORT`, then `python3 protocol/conformance/probe.py PORT TERMINAL_KEY OPERATOR_KEY`
with the demo keys it printed. Prints each failed case and `passed/total`; exits 1 when a case failed.
It changes the store (purchases, members, the catalog, restored at the end): use a throwaway data folder."""
import json, socket, struct, sys, itertools, re

HOST, PORT = "127.0.0.1", int(sys.argv[1])
TKEY, OKEY = sys.argv[2], sys.argv[3]
results = []
ids = itertools.count(1)


def check(name, cond, detail=""):
    results.append((name, bool(cond), detail))
    if not cond:
        print(f"FAIL {name}: {detail}")


class Conn:
    def __init__(self, key=None):
        self.s = socket.create_connection((HOST, PORT))
        self.s.settimeout(30)  # a debug build answers the largest requests in seconds
        if key:
            r = self.call({"op": "hello", "versions": [1], "apiKey": key, "client": "probe"})
            assert "result" in r, r

    def send_raw(self, payload: bytes, length=None):
        n = len(payload) if length is None else length
        self.s.sendall(struct.pack(">I", n) + payload)

    def recv(self):
        hdr = self._exact(4)
        if hdr is None:
            return None
        (n,) = struct.unpack(">I", hdr)
        body = self._exact(n)
        return json.loads(body), n

    def _exact(self, n):
        buf = b""
        while len(buf) < n:
            try:
                c = self.s.recv(n - len(buf))
            except (ConnectionResetError, socket.timeout):
                return None
            if not c:
                return None
            buf += c
        return buf

    def call(self, obj, raw=None):
        if raw is None and "id" not in obj:
            obj = {"id": next(ids), **obj}
        self.send_raw(raw if raw is not None else json.dumps(obj, separators=(",", ":")).encode())
        r = self.recv()
        return None if r is None else r[0]

    def closed(self):
        try:
            self.s.settimeout(2)
            return self.s.recv(1) == b""
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False


def err(r):
    return (r or {}).get("error") or {}


def refused(name, request, field, code="invalid_request", raw=None):
    """Sends `request` (or the `raw` payload) on the terminal session; checks it is refused with `code` naming `field`."""
    r = t.call(request, raw=raw)
    check(name, err(r).get("code") == code and err(r).get("field") == field, r)


def item(i, **kw):
    d = {"lineId": str(i), "code": "ESP", "name": "Espresso", "quantity": 1, "unitPrice": 250, "discount": 0, "tags": []}
    d.update(kw)
    return d


tx = itertools.count(1)
RUN = 4242  # a fixed suffix for ids and phone numbers: the store is fresh for each run


def purchase(**kw):
    d = {"op": "purchase", "transactionId": f"P-{next(tx)}-{PORT}-{RUN}", "openedAt": "2026-12-05T10:00:00Z",
         "members": [{"kind": "memberKey", "value": "M00000001"}], "items": [item(1)], "currency": "EUR"}
    d.update(kw)
    return d

# ---- framing
c = Conn()
c.send_raw(b"", length=0)
r = c.recv()
check("len0 invalid_frame", r and err(r[0]).get("code") == "invalid_frame" and r[0].get("id") is None, r)
check("len0 closes", c.closed())

c = Conn()
c.s.sendall(struct.pack(">I", 65537))
r = c.recv()
check("len 65537 refused at prefix", r and err(r[0]).get("code") == "invalid_frame", r)

c = Conn(TKEY)
body = b'{"id":1,"op":"ping"}'
pad = 65536 - len(body)
r = c.call(None, raw=b'{"id":1,"op":"ping"' + b" " * pad + b"}")
check("frame exactly 65536 accepted", r and "result" in r, r)

# A payload that is not one JSON object in valid UTF-8: invalid_frame, and the connection is closed.
for name, payload in [("array payload", b"[1,2]"), ("trailing bytes", b'{"id":1,"op":"ping"} x'),
                      ("overlong utf8", b'{"id":1,"op":"ping","x":"\xc0\xaf"}'),
                      ("lone surrogate escape", b'{"id":1,"op":"ping","x":"\\ud800"}'),
                      ("control char", b'{"id":1,"op":"ping","x":"a\x01"}')]:
    c = Conn(TKEY)
    r = c.call(None, raw=payload)
    check(f"{name} invalid_frame", err(r).get("code") == "invalid_frame", r)
    check(f"{name} closes", c.closed())

# ---- session
c = Conn()
r = c.call({"op": "ping"})
check("ping before hello unauthenticated", err(r).get("code") == "unauthenticated", r)
c = Conn()
r = c.call({"op": "hello", "versions": [2, 3], "apiKey": TKEY})
check("unsupported_version", err(r).get("code") == "unsupported_version" and err(r).get("field") == "versions"
      and "offered" in err(r) and "supported" in err(r), r)
c = Conn()
r = c.call({"op": "hello", "versions": [1], "apiKey": "till_t_nope"})
check("bad key unauthenticated", err(r).get("code") == "unauthenticated", r)
check("bad key closes", c.closed())
c = Conn()
r = c.call({"op": "hello", "versions": [1], "apiKey": TKEY})
res = r.get("result", {})
check("hello result fields", res.get("role") == "terminal" and res.get("maxFrameSize") == 65536 and
      res.get("terminal", {}).get("branchId") == "demo" and "serverTime" in res and res.get("version") == 1, r)
c = Conn(OKEY)
r = c.call({"op": "ping"})
check("operator ping", "result" in r, r)

# ---- envelope
t = Conn(TKEY)
r = t.call({"id": "x" * 128, "op": "ping"})
check("string id 128 echoes", r.get("id") == "x" * 128 and "result" in r, r)
refused("string id 129 invalid", {"id": "x" * 129, "op": "ping"}, "id")
refused("empty string id invalid", {"id": "", "op": "ping"}, "id")
refused("float id invalid", None, "id", raw=b'{"id":1.5,"op":"ping"}')
r = t.call(None, raw=b'{"id":9223372036854775807,"op":"ping"}')
check("max int64 id echoed", r.get("id") == 9223372036854775807 and "result" in r, r)
refused("int64 overflow id invalid", None, "id", raw=b'{"id":9223372036854775808,"op":"ping"}')
r = t.call(None, raw=b'{"id":-9223372036854775808,"op":"ping"}')
check("min int64 id echoed", r.get("id") == -9223372036854775808, r)
refused("unknown op", {"op": "frobnicate"}, "op")
r = t.call({"op": "member.get", "memberKey": "M00000001"})
check("terminal uses operator op forbidden", err(r).get("code") == "forbidden", r)
o = Conn(OKEY)
r = o.call({"op": "identify", "identifiers": [{"kind": "memberKey", "value": "M00000001"}]})
check("operator uses terminal op forbidden", err(r).get("code") == "forbidden", r)
r = t.call(None, raw=b'{"op":"ping","id":7}')
check("id not first still echoed", r.get("id") == 7 and "result" in r, r)
r = t.call(None, raw=b'{"op":"ping"}')
check("missing id invalid id null", err(r).get("code") == "invalid_request" and r.get("id") is None, r)

# ---- JSON rules
refused("duplicate key", None, "a", raw=b'{"id":1,"op":"ping","a":1,"a":2}')
refused("duplicate key via escape", None, "a", raw=b'{"id":1,"op":"ping","\\u0061":1,"a":2}')
nest = b'{"id":1,"op":"ping","x":' + b'{"a":' * 15 + b'1' + b'}' * 15 + b'}'
r = t.call(None, raw=nest)
check("nesting 16 ok", "result" in r, r)
nest = b'{"id":1,"op":"ping","x":' + b'{"a":' * 16 + b'1' + b'}' * 16 + b'}'
r = t.call(None, raw=nest)
check("nesting 17 refused", err(r).get("code") == "invalid_request", r)
check("nesting 17 field path", (err(r).get("field") or "").startswith("x"), r)
obj = {"id": 1, "op": "ping", **{f"k{i}": i for i in range(126)}}
r = t.call(obj)
check("128 members ok", "result" in r, r)
obj = {"id": 1, "op": "ping", **{f"k{i}": i for i in range(127)}}
r = t.call(obj)
check("129 members refused", err(r).get("code") == "invalid_request", r)
arr = {"id": 1, "op": "ping", "x": list(range(5000))}
r = t.call(arr)
check("unknown big array ignored", "result" in r, r)

# ---- identify
def identify(*idents):
    return t.call({"op": "identify", "identifiers": [{"kind": k, "value": v} for k, v in idents]})

r = identify(("phone", "0151 12345678"))
check("identify by national phone", "result" in r and r["result"]["members"][0]["memberKey"] == "M00000001", r)
r = identify(("email", "  ANNA@example.com "))
check("identify email trimmed lower", "result" in r, r)
r = identify(("memberKey", "NOPE"))
check("identify unknown", err(r).get("code") == "member_not_found" and err(r).get("field") == "identifiers[0]", r)
r = identify(("memberKey", "M00000001"), ("card", "C0000000001"))
check("identify same member twice", err(r).get("code") == "invalid_request" and err(r).get("field") == "identifiers[1]", r)
r = identify(("phone", "abc"))
check("identify bad phone", err(r).get("code") == "invalid_request" and err(r).get("field") == "identifiers[0]", r)
r = t.call({"op": "identify", "identifiers": []})
check("identify empty", err(r).get("code") == "invalid_request" and (err(r).get("field") or "").startswith("identifiers"), r)
r = t.call({"op": "identify", "identifiers": [{"kind": "memberKey", "value": f"X{i}"} for i in range(6)]})
check("identify 6", err(r).get("code") == "invalid_request" and (err(r).get("field") or "").startswith("identifiers"), r)
r = identify(("memberKey", "x" * 129))
check("identify value 129 chars", err(r).get("code") in ("invalid_request", "member_not_found") and (err(r).get("field") or "").startswith("identifiers[0]"), r)
r = identify(("memberKey", "x" * 257))
check("identify value 257 bytes", err(r).get("code") == "invalid_request" and (err(r).get("field") or "").startswith("identifiers[0]"), r)
r = identify(("bogus", "1"))
check("identify bad kind", err(r).get("code") == "invalid_request" and err(r).get("field") == "identifiers[0].kind", r)
r = identify(("memberKey", "M00000001"))
m = r["result"]["members"][0]
check("identify fields", all(k in m for k in ("memberKey", "status", "balance", "benefits")) and
      set(m["balance"]) >= {"points", "pendingPoints", "credit"}, m)
for b in m["benefits"]:
    check("benefit names not #n", not b["name"].startswith("#"), b)

# ---- purchase limits
r = t.call(purchase(items=[item(i) for i in range(500)]))
check("500 items ok", "result" in r, err(r))
refused("501 items refused", purchase(items=[item(i) for i in range(501)]), "items")
r = t.call(purchase(items=[item(1, tags=[f"t{i}" for i in range(50)])]))
check("50 tags ok", "result" in r, err(r))
refused("51 tags refused", purchase(items=[item(1, tags=[f"t{i}" for i in range(51)])]), "items[0].tags")
r = t.call(purchase(items=[item(1, name="n" * 1024)]))
check("name 1024 ok", "result" in r, err(r))
refused("name 1025 refused", purchase(items=[item(1, name="n" * 1025)]), "items[0].name")
r = t.call(purchase(employee="e" * 1024))
check("employee 1024 ok", "result" in r, err(r))
refused("employee 1025 refused", purchase(employee="e" * 1025), "employee")
r = t.call(purchase(transactionId="T" * 128))
check("transactionId 128 ok", "result" in r, err(r))
refused("transactionId 129 refused", purchase(transactionId="T" * 129), "transactionId")
refused("transactionId empty refused", purchase(transactionId=""), "transactionId")
refused("lineId 129 refused", purchase(items=[item(1, lineId="L" * 129)]), "items[0].lineId")
refused("code 129 refused", purchase(items=[item(1, code="C" * 129)]), "items[0].code")
r = t.call(purchase(items=[item(1), item(1)]))
check("duplicate lineId refused", err(r).get("code") == "invalid_request" and (err(r).get("field") or "").startswith("items[1]"), r)
r = t.call(purchase(items=[item(1, quantity=1000000, unitPrice=1)]))
check("quantity 1e6 ok", "result" in r, err(r))
refused("quantity 1e6+0.001 refused", None, "items[0].quantity", raw=json.dumps(dict(id=1, **purchase(items=[item(1)]))).replace('"quantity": 1', '"quantity": 1000000.001').encode())
refused("quantity 4 decimals refused", None, "items[0].quantity", raw=json.dumps(dict(id=1, **purchase(items=[item(1)]))).replace('"quantity": 1', '"quantity": 1.2345').encode())
refused("quantity 1.0000 refused", None, "items[0].quantity", raw=json.dumps(dict(id=1, **purchase(items=[item(1)]))).replace('"quantity": 1', '"quantity": 1.0000').encode())
r = t.call(None, raw=json.dumps(dict(id=1, **purchase(items=[item(1)]))).replace('"quantity": 1', '"quantity": 1.000').encode())
check("quantity 1.000 ok", "result" in r, err(r))
refused("quantity 0 refused", purchase(items=[item(1, quantity=0)]), "items[0].quantity")
refused("quantity exponent refused", None, "items[0].quantity", raw=json.dumps(dict(id=1, **purchase(items=[item(1)]))).replace('"quantity": 1', '"quantity": 1e0').encode())
refused("unitPrice 250.0 refused", None, "items[0].unitPrice", raw=json.dumps(dict(id=1, **purchase(items=[item(1)]))).replace('"unitPrice": 250', '"unitPrice": 250.0').encode())
r = t.call(purchase(items=[item(1, unitPrice=10**12)], members=[]))
check("unitPrice 1e12 ok", "result" in r, err(r))
refused("unitPrice 1e12+1 refused", purchase(items=[item(1, unitPrice=10**12 + 1)], members=[]), "items[0].unitPrice")
refused("line amount > 1e12 refused", purchase(items=[item(1, unitPrice=10**12, quantity=2)], members=[]), "items[0]")
refused("subtotal > 1e12 refused", purchase(items=[item(1, unitPrice=10**12 // 2 + 1), item(2, unitPrice=10**12 // 2)], members=[]), "items")
refused("total > 1e12 via tax refused", purchase(items=[item(1, unitPrice=10**12)], tax=1, members=[]), "tax")
r = t.call(purchase(items=[item(1, discount=251)]))
check("discount > line refused", err(r).get("code") == "invalid_request" and (err(r).get("field") or "").startswith("items[0]"), r)
refused("orderDiscount > subtotal refused", purchase(orderDiscount=251), "orderDiscount")
refused("currency other", purchase(currency="USD"), "currency")
refused("currency lower refused", purchase(currency="eur"), "currency")
refused("orderType unknown", purchase(orderType="drive"), "orderType")
refused("purchase unknown member", purchase(members=[{"kind": "memberKey", "value": "NOPE"}]), "members[0]", code="member_not_found")
r = t.call(purchase(members=[{"kind": "memberKey", "value": f"M{i:08d}"} for i in range(1, 7)]))
check("6 members refused", err(r).get("code") == "invalid_request" and (err(r).get("field") or "").startswith("members"), r)
refused("21 payments refused", purchase(payments=[{"means": "cash", "amount": 1}] * 21), "payments")
refused("21 redemptions refused", purchase(redemptions=[f"G-{i}" for i in range(21)]), "redemptions")
refused("payment 0 refused", purchase(payments=[{"means": "cash", "amount": 0}]), "payments[0].amount")
refused("openedAt Feb 30 refused", purchase(openedAt="2026-02-30T10:00:00Z"), "openedAt")
refused("openedAt hour 24 refused", purchase(openedAt="2026-02-03T24:00:00Z"), "openedAt")
refused("openedAt 4 fraction digits refused", purchase(openedAt="2026-02-03T10:00:00.1234Z"), "openedAt")
r = t.call(purchase(openedAt="2026-02-03T10:00:00+18:00"))
check("offset +18:00 ok", "result" in r, err(r))
refused("offset +18:01 refused", purchase(openedAt="2026-02-03T10:00:00+18:01"), "openedAt")
refused("no zone refused", purchase(openedAt="2026-02-03T10:00:00"), "openedAt")
r = t.call(purchase(openedAt="2026-02-03T10:00:00.5+01:00"))
check("openedAt kept with offset", r.get("result", {}).get("openedAt") == "2026-02-03T10:00:00.500+01:00", r.get("result", {}).get("openedAt"))
p = purchase(items=[item(1, quantity=1)])
del p["members"]
r = t.call(p)
check("anonymous purchase ok", "result" in r, err(r))
refused("0 items refused", purchase(items=[]), "items")
p = purchase(); del p["items"]
r = t.call(p)
check("items missing refused", err(r).get("field") == "items" and "required" in (err(r).get("reason") or err(r).get("message") or ""), r)
p = purchase(); p["items"] = None
refused("items null refused", p, "items")

# ---- exactly once
p = purchase(items=[item(1, quantity=2)])
r1 = t.call(p)
r2 = t.call(p)
check("resend replays", r2.get("result", {}).get("replay") is True and r1["result"].get("replay") is False, (r1, r2))
a, b = dict(r1["result"]), dict(r2["result"])
a.pop("replay"); b.pop("replay")
check("replay same receipt", a == b, "differs")
reordered = dict(reversed(list(p.items())))
r3 = t.call(reordered)
check("key order replays", r3.get("result", {}).get("replay") is True, r3)
p2 = dict(p, unknownField=1, orderType="inStore")
r3 = t.call(p2)
check("unknown field + default replays", r3.get("result", {}).get("replay") is True, r3)
p3 = dict(p, openedAt="2026-12-05T11:00:00+01:00")
r3 = t.call(p3)
check("other zone conflicts", err(r3).get("code") == "transaction_conflict" and err(r3).get("field") == "transactionId"
      and err(r3).get("transactionId") == p["transactionId"], r3)
r = t.call({"op": "status", "transactionId": p["transactionId"]})
check("status final", r.get("result", {}).get("state") == "final" and r["result"]["receipt"]["replay"] is True, r)
r = t.call({"op": "status", "transactionId": "never"})
check("status unknown", r.get("result", {}).get("state") == "unknown" and "receipt" not in r["result"], r)

# ---- void / return
r = t.call({"op": "return", "returnId": f"R-{p['transactionId']}", "transactionId": p["transactionId"],
            "lines": [{"lineId": "1", "quantity": 3}]})
check("return exceeds", err(r).get("code") == "return_exceeds_purchase" and err(r).get("field") == "lines[0].quantity"
      and err(r).get("lineId") == "1" and err(r).get("remaining") == 2, r)
r = t.call({"op": "return", "returnId": f"R-{p['transactionId']}", "transactionId": p["transactionId"],
            "lines": [{"lineId": "1", "quantity": 1}]})
check("return ok", r.get("result", {}).get("kind") == "return", r)
r = t.call({"op": "void", "voidId": f"R-{p['transactionId']}", "transactionId": p["transactionId"]})
check("void reusing return id conflicts", err(r).get("code") == "transaction_conflict" and err(r).get("field") == "voidId"
      and err(r).get("voidId") == f"R-{p['transactionId']}", r)
v = {"op": "void", "voidId": f"V-{p['transactionId']}", "transactionId": p["transactionId"]}
r = t.call(v)
check("void ok", r.get("result", {}).get("kind") == "void" and r["result"]["replay"] is False, r)
m0 = (r.get("result") or {}).get("members", [{}])[0]
check("void member fields", all(k in m0 for k in ("pointsTakenBack", "pointsForgiven", "pointsRefunded", "creditRefunded", "balance")), m0)
r = t.call(v)
check("void replay", r.get("result", {}).get("replay") is True, r)
r = t.call({"op": "return", "returnId": f"R2-{p['transactionId']}", "transactionId": p["transactionId"],
            "lines": [{"lineId": "1", "quantity": 1}]})
check("return of voided", err(r).get("code") == "transaction_voided", r)
r = t.call({"op": "void", "voidId": "V-none", "transactionId": "nope"})
check("void unknown", err(r).get("code") == "transaction_not_found" and err(r).get("transactionId") == "nope", r)
r = t.call({"op": "status", "transactionId": p["transactionId"]})
check("status voided", r.get("result", {}).get("state") == "voided" and len(r["result"].get("reversals", [])) == 2, r)

# ---- points payment insufficient
r = t.call(purchase(payments=[{"means": "points", "amount": 200}], items=[item(1, unitPrice=250)]))
bal = identify(("memberKey", "M00000001"))["result"]["members"][0]["balance"]
r = t.call(purchase(payments=[{"means": "points", "amount": 10**12}], items=[item(1, unitPrice=10**12)]))
check("points payment insufficient or out of range", err(r).get("code") in ("insufficient_balance", "payment_out_of_range", "invalid_request"), r)

# ---- operator
def op(**kw):
    return o.call(kw)

r = op(op="member.create", firstName="Probe", phone=f"+49151{RUN % 10**8:08d}", birthday="1990-02-30")
check("birthday Feb 30", err(r).get("field") == "birthday", r)
r = op(op="member.create", firstName="Probe", phone=f"+49151{RUN % 10**8:08d}", birthday="2023-02-29")
check("birthday 2023-02-29", err(r).get("field") == "birthday", r)
r = op(op="member.create", firstName="Probe", phone=f"+49151{RUN % 10**8:08d}", birthday="2024-02-29")
check("member.create ok", "result" in r, r)
key = r.get("result", {}).get("memberKey")
r = op(op="member.create", firstName="Dup", phone=f"0151 {RUN % 10**8:08d}")
check("duplicate phone already_exists", err(r).get("code") == "already_exists", r)
r = op(op="member.create", firstName="x" * 1025)
check("firstName 1025 refused", err(r).get("field") == "firstName", r)
r = op(op="member.note", memberKey=key, text="n" * 2000)
check("note 2000 ok", "result" in r, err(r))
r = op(op="member.note", memberKey=key, text="n" * 2001)
check("note 2001 refused", err(r).get("field") == "text", r)
r = op(op="member.tag", memberKey=key, tag="t" * 64)
check("tag 64 ok", "result" in r, err(r))
r = op(op="member.tag", memberKey=key, tag="t" * 65)
check("tag 65 refused", err(r).get("field") == "tag", r)
r = op(op="member.untag", memberKey=key, tag="absent")
check("untag absent not_found", err(r).get("code") == "not_found", r)
r = op(op="member.search", query="Probe", limit=50)
check("search limit 50", "result" in r, r)
r = op(op="member.search", query="Probe", limit=51)
check("search limit 51 refused", err(r).get("field") == "limit", r)
r = op(op="member.search", query="q" * 257, limit=5)
check("search query 257 refused", err(r).get("field") == "query", r)
r = op(op="wallet.adjust", adjustmentId=f"A-probe-{RUN}-1", memberKey=key, wallet="points", delta=0, reason="x")
check("adjust delta 0 refused", err(r).get("field") == "delta", r)
r = op(op="wallet.adjust", adjustmentId=f"A-probe-{RUN}-1", memberKey=key, wallet="points", delta=-5, reason="x")
check("adjust below zero", err(r).get("code") == "insufficient_balance" and err(r).get("field") == "delta", r)
r = op(op="wallet.adjust", adjustmentId=f"A-probe-{RUN}-2", memberKey=key, wallet="points", delta=10**12 - 1000, reason="x")
check("adjust to 1e12 ok", "result" in r, r)
r = op(op="wallet.adjust", adjustmentId=f"A-probe-{RUN}-3", memberKey=key, wallet="points", delta=1001, reason="x")
check("adjust past 1e12 refused", err(r).get("code") == "invalid_request" and err(r).get("field") == "delta", r)
r = op(op="wallet.adjust", adjustmentId=f"A-probe-{RUN}-2", memberKey=key, wallet="points", delta=10**12 - 1000, reason="x")
check("adjust replay", r.get("result", {}).get("replay") in (True, None) and "result" in r, r)
r = op(op="wallet.adjust", adjustmentId=f"A-probe-{RUN}-2", memberKey=key, wallet="points", delta=5, reason="x")
check("adjust conflict", err(r).get("code") == "transaction_conflict" and err(r).get("field") == "adjustmentId"
      and err(r).get("adjustmentId") == f"A-probe-{RUN}-2", r)
r = op(op="wallet.adjust", adjustmentId=f"A-probe-{RUN}-4", memberKey=key, wallet="points", delta=10**12 + 1, reason="x")
check("adjust delta > 1e12 refused", err(r).get("field") == "delta", r)
r = op(op="store.backup", path="relative.db")
check("backup relative path", err(r).get("code") == "invalid_request" and err(r).get("field") == "path", r)
r = op(op="store.backup", path="/nonexistent-dir/x.db")
check("backup missing folder", err(r).get("code") == "not_found", r)
r = op(op="catalog.get")
cat = r["result"]
r2 = o.call({"op": "catalog.set", **cat})
check("catalog roundtrip ok", "result" in r2, err(r2))
check("catalog roundtrip identical", r2.get("result") == cat, (cat, r2.get("result")))
r = op(op="benefit.action", memberKey=key, action="send", templateId="never-existed", count=1)
check("send unknown template not_found", err(r).get("code") == "not_found", r)
r = op(op="member.block", memberKey=key, reason="probe")
check("block ok", "result" in r, r)
r = op(op="member.block", memberKey=key)
check("block twice not_allowed", err(r).get("code") == "not_allowed", r)
r = identify(("memberKey", key))
check("identify blocked answered", r.get("result", {}).get("members", [{}])[0].get("status") == "blocked", r)
r = t.call(purchase(members=[{"kind": "memberKey", "value": key}]))
check("purchase blocked member", err(r).get("code") == "member_blocked" and err(r).get("field") == "members[0]"
      and err(r).get("memberKey") == key, r)
r = op(op="member.appCode.issue", memberKey=key)
check("app code blocked", err(r).get("code") == "member_blocked", r)
r = op(op="member.unblock", memberKey=key)
r = op(op="member.appCode.issue", memberKey=key)
code = r.get("result", {}).get("code", "")
check("app code 8 digits", re.fullmatch(r"\d{8}", code or "") is not None, r)
r = identify(("appCode", code))
check("identify by app code", r.get("result", {}).get("members", [{}])[0].get("memberKey") == key, r)
r = t.call(purchase(members=[{"kind": "appCode", "value": code}]))
check("purchase by app code", "result" in r, r)
r = identify(("appCode", code))
check("used app code not found", err(r).get("code") == "member_not_found", r)
r = op(op="member.appCode.revoke", code=code)
check("revoke used code answers used", r.get("result", {}).get("state") == "used", r)
r = op(op="member.appCode.revoke", code="00000000")
check("revoke unknown not_found", err(r).get("code") == "not_found", r)
r = op(op="activity.list", memberKey=key, limit=50)
ents = r.get("result", {}).get("entries", [])
pe = [e for e in ents if e.get("kind") == "purchase"]
check("purchase activity has summary with amount", pe and pe[0]["summary"].startswith("Purchase of"), pe[:1])
check("purchase activity openedAt", pe and "openedAt" in pe[0], pe[:1])
r = op(op="purchase.list", memberKey=key, sort="newest", limit=5)
check("purchase.list currency", all(x.get("currency") == "EUR" for x in r.get("result", {}).get("purchases", [])), r)
r = op(op="purchase.list", sort="totalDescending", limit=5)
check("purchase.list totalDescending without member refused", err(r).get("field") == "sort", r)
r = op(op="stats")
check("stats fields", all(k in r.get("result", {}) for k in ("members", "activeMembers", "blockedMembers", "purchases", "pointsOutstanding", "creditOutstanding", "generatedAt")), r)
r = op(op="member.anonymize", memberKey=key)
check("anonymize", r.get("result", {}).get("status") == "anonymized", r)
r = op(op="member.create", firstName="Reuse", phone=f"+49151{RUN % 10**8:08d}")
check("freed phone reusable", "result" in r, r)
r = op(op="member.note", memberKey=key, text="x")
check("nothing on anonymized", err(r).get("code") == "not_allowed", r)


# ---- hostile catalog and extreme baskets
cat0 = o.call({"op": "catalog.get"})["result"]
cat = json.loads(json.dumps(cat0))
cat["earnRules"] = [{"ruleId": "base", "points": 1000000, "perAmount": 1}]
cat["punchTemplates"] = [dict(pt, punchesRequired=1) for pt in cat.get("punchTemplates", [])]
r = o.call({"op": "catalog.set", **cat})
check("hostile catalog accepted", "result" in r, err(r))
pcode = (cat["punchTemplates"][0]["itemCodes"] or ["ESP"])[0] if cat["punchTemplates"] else "ESP"
q = purchase(items=[item(i, unitPrice=10**12 // 500) for i in range(10)])
q["op"] = "quote"
r = t.call(q)
check("quote earning overflow is typed", err(r).get("code") == "invalid_request" and (err(r).get("field") or "").startswith("items"), r)
q = purchase(items=[item(i, code=pcode, quantity=1000000, unitPrice=1) for i in range(500)])
q["op"] = "quote"
r = t.call(q)
check("quote 500 x 1e6 punched units answers", r is not None and ("result" in r or "error" in r), r)
p = purchase(items=[item(i, code=pcode, quantity=1000000, unitPrice=1) for i in range(500)])
r = t.call(p)
check("purchase 500 x 1e6 punched units answers", r is not None and ("result" in r or "error" in r), r and err(r))
if r and "result" in r:
    pm = r["result"]["members"][0]
    check("punch rewards capped 20", sum(x.get("rewardsCompleted", 0) for x in pm.get("punches", [])) <= 20, pm.get("punches"))
    r2 = t.call(p)
    check("maxima resend replays", r2.get("result", {}).get("replay") is True, err(r2))
    st = t.call({"op": "status", "transactionId": p["transactionId"]})
    check("maxima status readable", st.get("result", {}).get("state") == "final", err(st))
r = o.call({"op": "catalog.set", **cat0})
check("catalog restored", "result" in r, err(r))

# ---- pipelining: 64 in flight, answers by id
pt = Conn(TKEY)
sent = {}
for i in range(64):
    rid = 10000 + i
    msg = {"id": rid, "op": "ping"} if i % 2 else {"id": rid, "op": "identify", "identifiers": [{"kind": "memberKey", "value": "M00000001"}]}
    pt.send_raw(json.dumps(msg).encode())
    sent[rid] = msg["op"]
got = {}
for i in range(64):
    rr = pt.recv()
    got[rr[0]["id"]] = rr[0].get("op")
check("64 pipelined answered by id", got == sent, (len(got), len(sent)))

# ---- operator frame limit
big = Conn(OKEY)
r = big.call({"op": "ping", "pad": "x" * 300000})
check("operator 300 KB frame ok", r and "result" in r, r)
big.s.sendall(struct.pack(">I", 327681))
rr = big.recv()
check("operator 327681 refused", rr and err(rr[0]).get("code") == "invalid_frame", rr)
tb = Conn(TKEY)
tb.s.sendall(struct.pack(">I", 65537))
rr = tb.recv()
check("terminal 65537 refused after hello", rr and err(rr[0]).get("code") == "invalid_frame", rr)

# ---- identify customId and card kinds; second hello
r = identify(("card", "C0000000001"))
check("identify card", r.get("result", {}).get("members", [{}])[0].get("memberKey") == "M00000001", r)
r = t.call({"op": "hello", "versions": [1], "apiKey": TKEY})
check("second hello answered (typed)", r is not None and ("result" in r or err(r).get("code") in ("invalid_request", "not_allowed", "forbidden")), r)

# ---- operator counts (PROTOCOL.md section 9)
gift = o.call({"op": "catalog.get"})["result"]["giftTemplates"][0]["templateId"]
r = o.call({"op": "benefit.action", "memberKey": "M00000003", "action": "send", "templateId": gift, "count": 100})
check("send count 100 ok", len(r.get("result", {}).get("benefits", [])) == 100, err(r))
r = o.call({"op": "benefit.action", "memberKey": "M00000003", "action": "send", "templateId": gift, "count": 101})
check("send count 101 refused", err(r).get("code") == "invalid_request" and err(r).get("field") == "count", r)
r = o.call({"op": "benefit.action", "memberKey": "M00000003", "action": "extend", "benefitId": "x", "days": 3661})
check("extend days 3661 refused", err(r).get("code") == "invalid_request" and err(r).get("field") == "days", r)
r = Conn().call({"op": "hello", "versions": [1] * 16, "apiKey": TKEY})
check("hello 16 versions ok", "result" in r, r)
r = Conn().call({"op": "hello", "versions": [1] * 17, "apiKey": TKEY})
check("hello 17 versions refused", err(r).get("field") == "versions", r)

ok = sum(1 for _, c, _ in results if c)
print(f"{ok}/{len(results)} passed")
sys.exit(0 if ok == len(results) else 1)
