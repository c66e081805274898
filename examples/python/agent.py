#!/usr/bin/env python3
"""A Helix agent in plain Python 3 (standard library only).

    HELIX_URL=http://localhost:8080 HELIX_KEY=<key with role agent> HELIX_AGENT_NAME=py-1 python3 agent.py

Registers under HELIX_AGENT_NAME (give every process its own name: two processes under one name evict each
other), heartbeats at the interval the service advises, long-polls for steps and completes each one, printing
a line per step, until SIGTERM or SIGINT; then it finishes the step in hand, deregisters (any lease it still
holds goes back to the service at once) and exits 0. HELIX_WORK_SECONDS (default 0.05) is the pretend work.
"""
import json
import os
import random
import signal
import sys
import threading
import time
import urllib.error
import urllib.request

URL = os.environ.get("HELIX_URL", "http://localhost:8080").rstrip("/")
KEY = os.environ["HELIX_KEY"]
NAME = os.environ["HELIX_AGENT_NAME"]
WORK_SECONDS = float(os.environ.get("HELIX_WORK_SECONDS", "0.05"))
# a short long-poll, so that a stop request is noticed within WAIT_SECONDS
WAIT_SECONDS = 5

stopping = threading.Event()
revoked = set()  # (ritual_id, step) the service took back: drop their results


def call(path, token, body=None, timeout=10):
    """POST and return (status, parsed JSON or None). Connection errors raise OSError."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(URL + path, data=data, method="POST", headers={
        "Authorization": "Bearer " + token, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            text = response.read()
            return response.status, json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        text = error.read()
        try:
            return error.code, json.loads(text) if text else None
        except ValueError:
            return error.code, None


def retrying(what, attempt):
    """Capped, jittered exponential backoff after a connection error or a 5xx: 0.5 s doubling to 30 s."""
    delay = min(30.0, 0.5 * 2 ** attempt) * random.uniform(0.8, 1.2)
    print(f"{what} failed; retrying in {delay:.1f} s", file=sys.stderr, flush=True)
    stopping.wait(delay)


def register():
    for attempt in range(1000):
        try:
            status, body = call("/api/agents", KEY, {"name": NAME, "role": "example", "layer": "python"})
        except OSError:
            status, body = 0, None
        if status == 201:
            return body
        if status in (401, 403, 400):
            sys.exit(f"registration refused ({status}): {body and body.get('detail')}"
                     + (" - the key needs role agent" if status == 403 else ""))
        retrying("registration", attempt)
    sys.exit("could not register")


def heartbeats(agent):
    interval = agent["heartbeat_interval_seconds"]
    while not stopping.wait(interval):
        try:
            status, body = call(f"/api/agents/{agent['agent_id']}/heartbeat", agent["token"], {"workload": 0})
        except OSError:
            continue
        if status == 200:
            interval = body.get("next_heartbeat_seconds", interval)
            for lost in body.get("revoked") or []:
                revoked.add((lost["ritual_id"], lost["step"]))
                print(f"revoked {lost['ritual_id']} step {lost['step']}: {lost.get('reason')}", flush=True)


def work(agent, lease):
    """One step: pretend to work, then complete it; a 409 means the lease is no longer ours."""
    key = (lease["ritual_id"], lease["step"])
    time.sleep(WORK_SECONDS)
    if key in revoked:
        revoked.discard(key)
        print(f"step {lease['step']} of {lease['ritual_id']}: revoked, result dropped", flush=True)
        return
    output = {"echo": lease.get("mantra"), "by": NAME, "had_input": lease.get("input") is not None}
    path = f"/api/rituals/{lease['ritual_id']}/steps/{lease['step']}/complete"
    for attempt in range(20):
        try:
            status, body = call(path, agent["token"], {"lease_token": lease["lease_token"], "output": output})
        except OSError:
            status, body = 0, None
        if status == 200:
            print(f"completed step {lease['step']}/{body.get('steps_total')} of ritual {lease['ritual_id']} "
                  f"(attempt {lease['attempt']})", flush=True)
            return
        if status in (409, 404, 403):
            print(f"step {lease['step']} of {lease['ritual_id']}: {status}, result dropped", flush=True)
            return
        retrying("complete", attempt)


def main():
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    agent = register()
    print(f"registered {NAME} as agent {agent['agent_id']}", flush=True)
    threading.Thread(target=heartbeats, args=(agent,), daemon=True).start()

    attempt = 0
    while not stopping.is_set():
        try:
            status, body = call(f"/api/agents/{agent['agent_id']}/lease?wait_seconds={WAIT_SECONDS}&max=1",
                                agent["token"], timeout=WAIT_SECONDS + 10)
        except OSError:
            status, body = 0, None
        if status == 200:
            attempt = 0
            for lease in body["leases"]:
                work(agent, lease)
        elif status == 204:
            attempt = 0
        elif status == 401:
            sys.exit("the agent's token stopped working (re-registered elsewhere, or reinitialised); restart me")
        else:
            retrying(f"lease ({status})", attempt)
            attempt += 1

    # stopping: no long-poll is open now, so nothing can be leased after the deregistration
    try:
        status, _ = call(f"/api/agents/{agent['agent_id']}/deregister", agent["token"])
        print(f"deregistered {NAME} ({status})", flush=True)
    except OSError as error:
        print(f"could not deregister ({error}); the service will find {NAME} offline", flush=True)


if __name__ == "__main__":
    main()
