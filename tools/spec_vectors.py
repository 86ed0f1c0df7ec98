#!/usr/bin/env python3
"""Independent recomputation of docs/SPEC.md's test vectors, written from the
spec (ristretto255 from RFC 9496), not from urne's code.

usage: python3 tools/spec_vectors.py . [DEMO_DIR]

Prints the values that docs/SPEC.md, "Test vectors", gives, after checking
them against the files in keys-example/ and tests/vectors/ and, with DEMO_DIR
(the output of `urne demo --out DEMO_DIR`), the first signature on its sogne
protocol. Everything but the sealed share and the protocol signature runs on
the standard library alone; those two need the `cryptography` package
(Argon2id, ChaCha20-Poly1305, Ed25519) and are skipped, saying so, without it.
"""
import base64, hashlib, json, struct, sys

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493


def inv(x):
    return pow(x, P - 2, P)


D = (-121665 * inv(121666)) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def is_neg(x):
    return (x % P) & 1


def ct_abs(x):
    x %= P
    return (-x) % P if is_neg(x) else x


def sqrt_ratio_m1(u, v):
    u %= P
    v %= P
    r = (u * pow(v, 3, P)) * pow(u * pow(v, 7, P), (P - 5) // 8, P) % P
    check = v * r * r % P
    correct = check == u
    flipped = check == (-u) % P
    flipped_i = check == (-u * SQRT_M1) % P
    if flipped or flipped_i:
        r = r * SQRT_M1 % P
    return (correct or flipped), ct_abs(r)


# RFC 9496 section 4.1 (the roots it fixes; SQRT_AD_MINUS_ONE is the odd one).
SQRT_AD_MINUS_ONE = 25063068953384623474111414158702152701244531502492656460079210482610430750235
INVSQRT_A_MINUS_D = 54469307008909316920995813868745141605393597292927456921205312896311721017578
assert SQRT_AD_MINUS_ONE**2 % P == (-D - 1) % P
assert INVSQRT_A_MINUS_D**2 * (-1 - D) % P == 1
ONE_MINUS_D_SQ = (1 - D * D) % P
D_MINUS_ONE_SQ = (D - 1) * (D - 1) % P


def add(p1, p2):
    x1, y1, z1, t1 = p1
    x2, y2, z2, t2 = p2
    a = (y1 - x1) * (y2 - x2) % P
    b = (y1 + x1) * (y2 + x2) % P
    c = t1 * 2 * D * t2 % P
    d = z1 * 2 * z2 % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


IDENTITY = (0, 1, 1, 0)


def mul(k, pt):
    out = IDENTITY
    while k:
        if k & 1:
            out = add(out, pt)
        pt = add(pt, pt)
        k >>= 1
    return out


def decode(b):
    s = int.from_bytes(b, "little")
    if s >= P or is_neg(s):
        raise ValueError("non-canonical")
    ss = s * s % P
    u1, u2 = (1 - ss) % P, (1 + ss) % P
    u2sq = u2 * u2 % P
    v = (-(D * u1 * u1) - u2sq) % P
    ok, isr = sqrt_ratio_m1(1, v * u2sq)
    dx = isr * u2 % P
    dy = isr * dx * v % P
    x = ct_abs(2 * s * dx)
    y = u1 * dy % P
    t = x * y % P
    if not ok or is_neg(t) or y == 0:
        raise ValueError("not a point")
    return (x, y, 1, t)


def encode(pt):
    x0, y0, z0, t0 = pt
    u1 = (z0 + y0) * (z0 - y0) % P
    u2 = x0 * y0 % P
    _, isr = sqrt_ratio_m1(1, u1 * u2 * u2)
    den1, den2 = isr * u1 % P, isr * u2 % P
    zinv = den1 * den2 * t0 % P
    if is_neg(t0 * zinv):
        x, y, den = y0 * SQRT_M1 % P, x0 * SQRT_M1 % P, den1 * INVSQRT_A_MINUS_D % P
    else:
        x, y, den = x0, y0, den2
    if is_neg(x * zinv):
        y = -y % P
    return ct_abs(den * (z0 - y)).to_bytes(32, "little")


def elligator(t):
    r = SQRT_M1 * t * t % P
    u = (r + 1) * ONE_MINUS_D_SQ % P
    v = (-1 - r * D) * (r + D) % P
    ok, s = sqrt_ratio_m1(u, v)
    if ok:
        c = P - 1
    else:
        s, c = (-ct_abs(s * t)) % P, r
    n = (c * (r - 1) * D_MINUS_ONE_SQ - v) % P
    w0, w1 = 2 * s * v % P, n * SQRT_AD_MINUS_ONE % P
    w2, w3 = (1 - s * s) % P, (1 + s * s) % P
    return (w0 * w3 % P, w2 * w1 % P, w1 * w3 % P, w0 * w2 % P)


def from_uniform(b):
    m = 2**255 - 1
    r0 = (int.from_bytes(b[:32], "little") & m) % P
    r1 = (int.from_bytes(b[32:], "little") & m) % P
    return add(elligator(r0), elligator(r1))


B = decode(bytes.fromhex("e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76"))


def item(x):
    return struct.pack(">Q", len(x)) + x


def u64(v):
    return struct.pack(">Q", v)


def transcript(tag, items):
    return item(tag.encode()) + b"".join(item(x) for x in items)


def dump(what, pre):
    """Prints a transcript preimage one item a line, as docs/SPEC.md shows it."""
    print(f"{what} {len(pre)} bytes:")
    off = 0
    while off < len(pre):
        n = struct.unpack(">Q", pre[off:off + 8])[0]
        print(f"  {pre[off:off+8].hex()} {pre[off+8:off+8+n].hex()}")
        off += 8 + n


def h256(tag, items):
    return hashlib.sha256(transcript(tag, items)).digest()


def challenge(tag, items):
    return int.from_bytes(hashlib.sha512(transcript(tag, items)).digest(), "little") % L


def neg(pt):
    return mul(L - 1, pt)


def schnorr_ok(tag, statement, x_pt, proof):
    a = base64.b64decode(proof["a"])
    s = int.from_bytes(base64.b64decode(proof["s"]), "little")
    assert s < L
    c = challenge(tag, statement + [a])
    return encode(mul(s, B)) == encode(add(decode(a), mul(c, x_pt)))


def open_sealed(path, pw_path):
    """Opens an urne-sealed/1 file (SPEC, "Sealed files")."""
    from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
    sh = json.load(open(path))
    kdf = sh["kdf"]
    salt = base64.b64decode(kdf["salt"])
    aad = (item(b"urne-sealed/1") + item(sh["kind"].encode()) + item(sh["owner"].encode())
           + item(sh["fingerprint"].encode()) + item(u64(sh["index"])) + item(b"argon2id")
           + item(u64(kdf["version"])) + item(u64(kdf["m_kib"])) + item(u64(kdf["t"]))
           + item(u64(kdf["p"])) + item(salt) + item(b"chacha20-poly1305"))
    pw = open(pw_path, "rb").read()
    if pw.endswith(b"\r\n"):
        pw = pw[:-2]
    elif pw.endswith(b"\n"):
        pw = pw[:-1]
    kk = Argon2id(salt=salt, length=32, iterations=kdf["t"], lanes=kdf["p"],
                  memory_cost=kdf["m_kib"]).derive(pw)
    return sh, ChaCha20Poly1305(kk).decrypt(base64.b64decode(sh["nonce"]),
                                            base64.b64decode(sh["ciphertext"]), aad)


def dkg(repo, key, msha, fp):
    """The dealerless ceremony's transcript (SPEC, "Dealerless key ceremony")."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
    tr = key["ceremony"]["transcript"]
    t, n = key["threshold"], len(key["keyholders"])
    G = encode(B)
    items = [key["event"].encode(), msha, u64(tr["attempt"]), u64(t), u64(n)]
    for k in key["keyholders"]:
        items += [u64(k["index"]), k["name"].encode()]
    pre = transcript("urne/v1/dkg/setup", items)
    sigma = hashlib.sha256(pre).digest()
    dump("setup preimage", pre)
    print(f"sigma {sigma.hex()}")
    cert_digests, transport = [], []
    for i, c in enumerate(tr["certificates"], 1):
        assert c["index"] == i and c["setup"] == sigma.hex() and c["attempt"] == tr["attempt"]
        x = base64.b64decode(c["transport_key"])
        assert schnorr_ok("urne/v1/dkg/proof/transport-key", [sigma, u64(i), G, x], decode(x),
                          c["transport_proof"]), f"transport proof {i}"
        transport.append(x)
        cert_digests.append(h256("urne/v1/dkg/certificate", [
            sigma, u64(i), c["name"].encode(), x, base64.b64decode(c["transport_proof"]["a"]),
            base64.b64decode(c["transport_proof"]["s"]), bytes.fromhex(c["commitments_sha256"])]))
    phi_cert = h256("urne/v1/dkg/transcript", [b"certificates", sigma] + cert_digests)
    print(f"certificate digests {[d.hex() for d in cert_digests]}")
    print(f"phi_cert {phi_cert.hex()}")
    deal_digests, comms = [], []
    for i, d in enumerate(tr["deals"], 1):
        assert d["index"] == i and d["certificates"] == phi_cert.hex()
        cs = [base64.b64decode(x) for x in d["commitments"]]
        assert h256("urne/v1/dkg/commitments", [sigma, u64(i)] + cs).hex() == \
            tr["certificates"][i - 1]["commitments_sha256"], f"commitment hash {i}"
        for k, (cb, pf) in enumerate(zip(cs, d["proofs"])):
            assert schnorr_ok("urne/v1/dkg/proof/coefficient", [sigma, u64(i), u64(k), G, cb],
                              decode(cb), pf), f"coefficient proof {i},{k}"
        comms.append([decode(x) for x in cs])
        di = [phi_cert, u64(i), u64(len(cs))]
        for cb, pf in zip(cs, d["proofs"]):
            di += [cb, base64.b64decode(pf["a"]), base64.b64decode(pf["s"])]
        di.append(u64(len(d["shares"])))
        for sh in d["shares"]:
            di += [u64(sh["to"]), base64.b64decode(sh["ephemeral"]), base64.b64decode(sh["ciphertext"])]
        deal_digests.append(h256("urne/v1/dkg/deal", di))
    phi_deal = h256("urne/v1/dkg/transcript", [b"deals", phi_cert] + deal_digests)
    assert phi_deal.hex() == tr["deals_fingerprint"], "phi_deal"
    print(f"phi_deal {phi_deal.hex()}")
    combined = []
    for k in range(t):
        acc = IDENTITY
        for c in comms:
            acc = add(acc, c[k])
        combined.append(acc)
    assert [encode(c) for c in combined] == [base64.b64decode(c) for c in key["commitments"]]
    print("C_k = sum_i C_ik: ok")
    conf_digests = []
    for j, c in enumerate(tr["confirmations"], 1):
        kj = base64.b64decode(c["verification_key"])
        assert c["index"] == j and c["deals"] == phi_deal.hex() and c["election_fingerprint"] == fp.hex()
        assert kj == base64.b64decode(key["keyholders"][j - 1]["verification_key"])
        assert schnorr_ok("urne/v1/dkg/proof/share", [phi_deal, u64(j), G, kj], decode(kj), c["proof"])
        conf_digests.append(h256("urne/v1/dkg/confirmation", [
            phi_deal, u64(j), kj, base64.b64decode(c["proof"]["a"]), base64.b64decode(c["proof"]["s"]), fp]))
    phi_conf = h256("urne/v1/dkg/transcript", [b"confirmations", phi_deal] + conf_digests)
    print(f"phi_conf {phi_conf.hex()}  short {' '.join(phi_conf[:8].hex()[i:i+4] for i in range(0, 16, 4))}")
    print("every certificate, commitment hash, proof and confirmation: ok")
    # Keyholder 2 opens the share keyholder 1 sent them, from their seed.
    sh, seed = open_sealed(f"{repo}/keys-example/keyholder-2-attempt-1.seed", f"{repo}/keys-example/passphrase-2.txt")
    assert sh["kind"] == "ceremony-seed" and sh["fingerprint"] == sigma.hex() and len(seed) == 32
    x2 = int.from_bytes(hashlib.sha512(transcript("urne/v1/dkg/derive", [seed, sigma, b"transport", u64(0)])).digest(), "little") % L
    assert encode(mul(x2, B)) == transport[1], "X_2 = x_2 G from the seed"
    share = [s for s in tr["deals"][0]["shares"] if s["to"] == 2][0]
    e = base64.b64decode(share["ephemeral"])
    dh = encode(mul(x2, decode(e)))
    info = b"".join(item(x) for x in [b"urne/v1/dkg/share-key", phi_cert, u64(1), u64(2), e, transport[1]])
    k12 = HKDF(algorithm=hashes.SHA256(), length=32, salt=phi_cert, info=info).derive(dh)
    aad = b"".join(item(x) for x in [b"urne/v1/dkg/share", phi_cert, u64(1), u64(2)])
    f12 = ChaCha20Poly1305(k12).decrypt(b"\0" * 12, base64.b64decode(share["ciphertext"]), aad)
    v = int.from_bytes(f12, "little")
    acc = IDENTITY
    for k, c in enumerate(comms[0]):
        acc = add(acc, mul(pow(2, k, L), c))
    assert v < L and encode(mul(v, B)) == encode(acc), "f_1(2) G = sum_k 2^k C_1k"
    print(f"share key HKDF info {len(info)} bytes, aad {len(aad)} bytes; f_1(2) decrypts and matches: ok")


def neg(pt):
    x, y, z, t = pt
    return ((-x) % P, y, z, (-t) % P)


def sub(p1, p2):
    return add(p1, neg(p2))


def b64pt(s):
    return decode(base64.b64decode(s))


def b64scalar(s):
    v = int.from_bytes(base64.b64decode(s), "little")
    assert v < L, "scalar not canonical"
    return v


def challenge_of(pre):
    return int.from_bytes(hashlib.sha512(pre).digest(), "little") % L


M = 2**32


def ballot_format2(repo):
    """The packed ballot of tests/vectors/ballot-format2.json: its ciphertext
    from its published randomness, its 1-of-k proof, its ciphertext digest."""
    v = json.load(open(f"{repo}/tests/vectors/ballot-format2.json"))
    fp = bytes.fromhex(v["fingerprint"])
    kb = base64.b64decode(v["election_key"])
    k = decode(kb)
    b = v["ballot"]
    assert b["encoding"] == "packed" and len(v["options"]) == 3
    weights = [0, 1, M]
    r = b64scalar(v["r"])
    ab, bb = base64.b64decode(b["a"]), base64.b64decode(b["b"])
    a_pt, b_pt = decode(ab), decode(bb)
    m = weights[v["choice"]]
    assert encode(mul(r, B)) == ab, "A = r G"
    assert encode(add(mul(r, k), mul(m, B))) == bb, "B = r K + m G"
    pr = b["proof"]
    comm_a = [base64.b64decode(x) for x in pr["a"]]
    comm_b = [base64.b64decode(x) for x in pr["b"]]
    items = [fp, v["referendum"].encode(), v["voter"].encode(), encode(B), kb, u64(3)]
    items += [u64(w) for w in weights]
    items += [ab, bb]
    for x, y in zip(comm_a, comm_b):
        items += [x, y]
    pre = transcript("urne/v1/proof/one-of-k", items)
    c = challenge_of(pre)
    cs = [b64scalar(x) for x in pr["c"]]
    cs.append((c - sum(cs)) % L)
    ss = [b64scalar(x) for x in pr["s"]]
    for j, w in enumerate(weights):
        lhs = encode(mul(ss[j], B))
        rhs = encode(add(decode(comm_a[j]), mul(cs[j], a_pt)))
        assert lhs == rhs, f"branch {j}: s G = a + c A"
        lhs = encode(mul(ss[j], k))
        rhs = encode(add(decode(comm_b[j]), mul(cs[j], sub(b_pt, mul(w, B)))))
        assert lhs == rhs, f"branch {j}: s K = b + c (B - m G)"
    # The same proof does not hold for another voter.
    other = transcript("urne/v1/proof/one-of-k", [fp, v["referendum"].encode(), b"sogne-000002"] + items[3:])
    assert challenge_of(other) != c
    dig = hashlib.sha256(transcript("urne/v1/ballot-ciphertexts", [ab, bb])).digest()[:16]
    assert dig.hex() == v["ciphertext_digest"], "ciphertext digest"
    print("ballot format 2: A = r G, B = r K + 2^32 G, 1-of-3 proof (6 equations), digest: ok")
    dump("one-of-k challenge preimage", pre)
    print(f"c = {c.to_bytes(32, 'little').hex()}  c_2 = {cs[2].to_bytes(32, 'little').hex()}")
    print(f"ciphertext digest {dig.hex()}")


ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def times_x(c):
    """c times x in GF(2^5) = F2[x]/(x^5 + x^2 + 1)."""
    c <<= 1
    return c ^ 0b100101 if c & 32 else c


def code_check(data):
    """The check character of 16 code characters (SPEC, "Voter credentials")."""
    c = 0
    for ch in data:
        c = times_x(c) ^ ALPHABET.index(ch)
    return ALPHABET[times_x(c)]


def credential_vector(repo):
    """tests/vectors/credential.json: a code's check character, the voter's
    key, the ballot digest and the signature of the ballot of
    tests/vectors/ballot-format2.json, with the nonce the vector gives."""
    v = json.load(open(f"{repo}/tests/vectors/credential.json"))
    bv = json.load(open(f"{repo}/tests/vectors/ballot-format2.json"))
    fp = bytes.fromhex(bv["fingerprint"])
    code = v["code"].replace("-", "")
    assert len(code) == 17 and code_check(code[:16]) == code[16], "check character"
    # Any one character changed breaks the check.
    for i in range(17):
        for ch in ALPHABET:
            if ch != code[i]:
                bad = code[:i] + ch + code[i + 1:]
                assert code_check(bad[:16]) != bad[16]
    voter, ref = bv["voter"], bv["referendum"]
    s = challenge("urne/v1/credential/secret", [code.encode(), fp, voter.encode()])
    pv = encode(mul(s, B))
    assert base64.b64encode(pv).decode() == v["public_key"], "P_v"
    b = bv["ballot"]
    pr = b["proof"]
    d64 = base64.b64decode
    items = [b"packed", d64(b["a"]), d64(b["b"])]
    for name in ["a", "b", "c", "s"]:
        items += [u64(len(pr[name]))] + [d64(x) for x in pr[name]]
    dpre = transcript("urne/v1/credential/ballot", items)
    d = hashlib.sha256(dpre).digest()
    assert d.hex() == v["ballot_digest"], "ballot digest"
    k = b64scalar(v["nonce"])
    r = encode(mul(k, B))
    assert base64.b64encode(r).decode() == v["signature"]["r"], "R = k G"
    epre = transcript("urne/v1/credential/signature", [fp, ref.encode(), voter.encode(), pv, r, d])
    e = challenge_of(epre)
    assert e.to_bytes(32, "little").hex() == v["challenge"], "e"
    z = (k + e * s) % L
    assert base64.b64encode(z.to_bytes(32, "little")).decode() == v["signature"]["z"], "z"
    assert encode(mul(z, B)) == encode(add(decode(r), mul(e, decode(pv)))), "z G = R + e P_v"
    # Bound to the voter: another voter's challenge differs.
    assert challenge("urne/v1/credential/signature", [fp, ref.encode(), b"sogne-000002", pv, r, d]) != e
    print(f"credential code {v['code']}: check character ok; s_v G = P_v {pv.hex()}")
    dump("ballot digest preimage", dpre)
    print(f"d {d.hex()}")
    dump("signature challenge preimage", epre)
    print(f"e {e.to_bytes(32, 'little').hex()}  z G = R + e P_v: ok")


def packed_tally():
    """The decoding of a packed sum: enc((c1 + 2^32 c2) G), and the counts
    found again by trying every (c1, c2) with c1 + c2 <= n."""
    n, c1, c2 = 12, 5, 4
    target = encode(mul(c1 + M * c2, B))
    found = [(x, y) for y in range(n + 1) for x in range(n + 1 - y)
             if encode(mul(x + M * y, B)) == target]
    assert found == [(c1, c2)], found
    print(f"packed sum n={n} c0={n - c1 - c2} c1={c1} c2={c2}: S = {c1 + M * c2} "
          f"enc(S G) = {target.hex()} {base64.b64encode(target).decode()}")
    print(f"  M G = {encode(mul(M, B)).hex()}")


def main():
    repo = sys.argv[1]
    # Self-checks against RFC 9496 before trusting anything else.
    assert encode(add(B, B)) == bytes.fromhex("6a493210f7499cd17fecb510ae0cea23a110e8d5b901f8acadd3095c73a3b919")
    assert encode(from_uniform(bytes.fromhex(
        "5d1be09e3d0c82fc538112490e35701979d99e06ca3e2b5b54bffe8b4dc772c1"
        "4d98b696a1bbfb5ca32c436cc61c16563790306c79eaca7705668b47dffe5bb6"))) == bytes.fromhex(
        "3066f82a1a747d45120d1740f14358531a8f04bbffe6a819f86dfe50f44a0a46")
    print("RFC 9496 self-checks: ok")

    manifest = open(f"{repo}/examples/event/manifest.toml", "rb").read()
    key = json.load(open(f"{repo}/keys-example/election-key.json"))
    msha = hashlib.sha256(manifest).digest()
    assert key["manifest_sha256"] == msha.hex(), "manifest_sha256"
    cs = [base64.b64decode(c) for c in key["commitments"]]
    items = [key["event"].encode(), msha, u64(key["threshold"]), u64(len(key["keyholders"]))]
    items += cs
    for k in key["keyholders"]:
        items += [u64(k["index"]), k["name"].encode()]
    assert key["format"] == "urne-election-key/2"
    tr = key["ceremony"]["transcript"]
    assert key["ceremony"]["kind"] == "dealerless"
    items += [b"dealerless", bytes.fromhex(tr["deals_fingerprint"])]
    pre = transcript("urne/v1/election-fingerprint", items)
    fp = hashlib.sha256(pre).digest()
    assert fp.hex() == key["fingerprint"], "fingerprint"
    print(f"manifest_sha256 {msha.hex()}")
    dump("fingerprint preimage", pre)
    print(f"fp {fp.hex()}  short {' '.join(fp[:8].hex()[i:i+4] for i in range(0, 16, 4))}")
    c_pts = [decode(c) for c in cs]
    for k in key["keyholders"]:
        i = k["index"]
        acc = IDENTITY
        for j, c in enumerate(c_pts):
            acc = add(acc, mul(i ** j, c))
        assert encode(acc) == base64.b64decode(k["verification_key"]), f"K_{i}"
    print("K_i = sum C_j i^j: ok")
    for c in key["commitments"]:
        print(f"  C hex {base64.b64decode(c).hex()}")

    t = from_uniform(hashlib.sha512(transcript("urne/v1/key-test-base", [fp])).digest())
    tb = encode(t)
    print(f"key-test base T {tb.hex()} {base64.b64encode(tb).decode()}")

    ballot_format2(repo)
    credential_vector(repo)
    packed_tally()

    try:
        from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
        from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:
        print("sealed share and protocol signature: skipped (they need the `cryptography` package)")
        return
    # The sealed share of keyholder 1.
    sh = json.load(open(f"{repo}/keys-example/keyholder-1.share"))
    kdf = sh["kdf"]
    salt = base64.b64decode(kdf["salt"])
    aad = (item(b"urne-sealed/1") + item(sh["kind"].encode()) + item(sh["owner"].encode())
           + item(sh["fingerprint"].encode()) + item(u64(sh["index"])) + item(b"argon2id")
           + item(u64(kdf["version"])) + item(u64(kdf["m_kib"])) + item(u64(kdf["t"]))
           + item(u64(kdf["p"])) + item(salt) + item(b"chacha20-poly1305"))
    print(f"share AD {len(aad)} bytes sha256 {hashlib.sha256(aad).hexdigest()}")
    pw = open(f"{repo}/keys-example/passphrase-1.txt", "rb").read()
    if pw.endswith(b"\r\n"):
        pw = pw[:-2]
    elif pw.endswith(b"\n"):
        pw = pw[:-1]
    kk = Argon2id(salt=salt, length=32, iterations=kdf["t"], lanes=kdf["p"],
                  memory_cost=kdf["m_kib"]).derive(pw)
    secret = ChaCha20Poly1305(kk).decrypt(base64.b64decode(sh["nonce"]),
                                          base64.b64decode(sh["ciphertext"]), aad)
    s1 = int.from_bytes(secret, "little")
    assert len(secret) == 32 and s1 < L
    assert encode(mul(s1, B)) == base64.b64decode(key["keyholders"][0]["verification_key"])
    print("share 1 opens, s_1 G = K_1: ok")

    dkg(repo, key, msha, fp)

    if len(sys.argv) > 2:
        demo = sys.argv[2]
        pbytes = open(f"{demo}/protocols/sogne.json", "rb").read()
        d = hashlib.sha256(pbytes).digest()
        sigs = json.load(open(f"{demo}/protocols/sogne.signatures.json"))
        s = sigs["signatures"][0]
        head = bytes.fromhex(s["log_head"])
        pre = transcript("urne/v2/protocol-signature", [d, s["name"].encode(), s["signed_at"].encode(), head])
        log = open(f"{demo}/ceremony-log.jsonl", "rb").read().split(b"\n")
        hashes = [hashlib.sha256(transcript("urne/v1/ceremony-log-entry", [l])).digest() for l in log if l]
        assert head in hashes, "log_head is the hash of a line of the log"
        msg = hashlib.sha256(pre).digest()
        pk = base64.b64decode(s["public_key"])
        Ed25519PublicKey.from_public_bytes(pk).verify(base64.b64decode(s["signature"]), msg)
        print(f"protocol d {d.hex()} by {s['name']} at {s['signed_at']} log_head {s['log_head']}")
        dump("signature preimage", pre)
        print(f"message {msg.hex()}")
        print(f"signature {s['signature']} public key {s['public_key']}: verifies")


main()
