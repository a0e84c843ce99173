#!/usr/bin/env python3
"""Upload of a 12-megapixel picture: the time until the upload is answered and the time until
the object is `ready` (its variants made by the job queue), for a listing photo (catalog,
4000x3000 JPEG) and a 360-degree panorama (media, 4900x2450 JPEG), against a
`sojourn serve` on SQLite started here. Pictures are made with ffmpeg's test pattern plus grain
(so they compress like photographs, ~3 MB, not like flat colour). Standard library only.

Usage: bench/upload.py SOJOURN_BINARY [ROUNDS]   (bench/run.sh upload builds and calls it)
"""

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Api:
    def __init__(self, base):
        self.base = base
        self.token = None

    def call(self, method, path, body=None, content_type="application/json", raw=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            req.add_header("content-type", content_type)
        if self.token:
            req.add_header("authorization", "Bearer " + self.token)
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")


def picture(path, width, height):
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
         f"testsrc2=size={width}x{height}", "-vf", "noise=alls=12:allf=t", "-frames:v", "1", "-q:v", "3", path],
        check=True,
    )
    with open(path, "rb") as f:
        return f.read()


def multipart(field, filename, content_type, payload):
    boundary = "benchboundary7MA4YWxkTrZu0gW"
    head = (f"--{boundary}\r\ncontent-disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n"
            f"content-type: {content_type}\r\n\r\n").encode()
    return head + payload + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def wait_ready(poll):
    while True:
        status = poll()
        if status != "processing":
            return status
        time.sleep(0.005)


def main():
    binary = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    work = tempfile.mkdtemp(prefix="sojourn-upload-bench-")
    port = free_port()
    config = os.path.join(work, "sojourn.toml")
    with open(config, "w") as f:
        f.write(f'data_dir = "{work}/data"\n[server]\nport = {port}\n[rate_limit]\nenabled = false\n'
                '[log]\nlevel = "warn"\n[auth.password_hash]\nmemory_kib = 1024\niterations = 1\n')
    server = subprocess.Popen([binary, "--config", config, "serve"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        api = Api(f"http://127.0.0.1:{port}")
        for _ in range(200):
            try:
                if api.call("GET", "/health/ready")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.05)
        status, body = api.call("POST", "/api/v1/auth/register", {"email": "host@example.com", "password": "Password1!"})
        assert status == 201, body
        api.token = body["data"]["tokens"]["accessToken"]
        api.call("POST", "/api/v1/providers", {"displayName": "Bench Stays", "kind": "individual",
                                               "defaultCurrency": "EUR", "timezone": "Europe/Paris"})
        photo = picture(os.path.join(work, "photo.jpg"), 4000, 3000)
        pano = picture(os.path.join(work, "pano.jpg"), 4900, 2450)
        results = {"photo": ([], []), "panorama": ([], [])}
        listing_body = {"kind": "stay", "title": "Bench loft", "description": "A loft to measure uploads with.",
                        "address": {"line1": "1 Quai de Valmy", "city": "Paris", "country": "FR"},
                        "location": {"lat": 48.87, "lng": 2.36}, "instantBook": True,
                        "stay": {"propertyType": "apartment", "maxGuests": 2, "bedrooms": 1, "beds": 1, "bathrooms": 1,
                                 "nightlyPrice": 10000, "checkInTime": "15:00", "checkOutTime": "11:00"}}
        for _ in range(rounds):
            # A fresh listing per round keeps the photo limit (10) and the media quota out of the way.
            status, body = api.call("POST", "/api/v1/listings", listing_body)
            assert status == 201, body
            listing = body["data"]["listing"]["id"]

            raw, ctype = multipart("photo", "photo.jpg", "image/jpeg", photo)
            t0 = time.perf_counter()
            status, body = api.call("POST", f"/api/v1/listings/{listing}/photos", raw=raw, content_type=ctype)
            t1 = time.perf_counter()
            assert status == 201, body
            photo_id = body["data"]["photo"]["id"]

            def photo_status():
                _, b = api.call("GET", f"/api/v1/listings/{listing}/photos")
                found = [p for p in b["data"]["photos"] if p["id"] == photo_id]
                return found[0].get("status", "ready") if found else "processing"

            final = wait_ready(photo_status)
            t2 = time.perf_counter()
            assert final == "ready", final
            results["photo"][0].append((t1 - t0) * 1000)
            results["photo"][1].append((t2 - t0) * 1000)

            t0 = time.perf_counter()
            status, body = api.call("POST", f"/api/v1/listings/{listing}/media?kind=panorama", raw=pano,
                                    content_type="image/jpeg")
            t1 = time.perf_counter()
            assert status == 201, body
            media_id = body["data"]["id"]
            final = wait_ready(lambda: api.call("GET", f"/api/v1/media/{media_id}")[1]["data"]["status"])
            t2 = time.perf_counter()
            assert final == "ready", final
            results["panorama"][0].append((t1 - t0) * 1000)
            results["panorama"][1].append((t2 - t0) * 1000)

        print(f"| upload ({rounds} rounds, one at a time) | size | answered p50 | answered max | ready p50 | ready max |")
        print("|---|---|---|---|---|---|")
        sizes = {"photo": (len(photo), "4000×3000"), "panorama": (len(pano), "4900×2450")}
        for name, (answered, ready) in results.items():
            size, dims = sizes[name]
            print(f"| {name} {dims} JPEG | {size / 1e6:.1f} MB | {statistics.median(answered):.0f} ms | "
                  f"{max(answered):.0f} ms | {statistics.median(ready):.0f} ms | {max(ready):.0f} ms |")
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
