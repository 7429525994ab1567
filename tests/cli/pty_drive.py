#!/usr/bin/env python3
"""pty_drive.py — runs a command on a pseudo-terminal and types at it, for the prompt's tests.

    python3 tests/cli/pty_drive.py TRANSCRIPT CMD [ARG...] < STEPS

STEPS, one per line (TEXT takes Python escapes: \\x03 is Ctrl-C, \\x04 Ctrl-D, \\t Tab, \\r Enter):
    send TEXT     type TEXT
    wait TEXT     wait up to 5 s for TEXT in the output after the previous wait's match
    sleep SECS    wait
    end           wait up to 5 s for the command to exit
Everything the terminal showed goes to TRANSCRIPT. The exit status is the command's (128+N when a
signal N ended it), or 99 when a wait or the end timed out (with a line on stderr saying which).
"""
import codecs
import fcntl
import os
import pty
import select
import struct
import sys
import termios
import time

TIMEOUT = 5.0


def main():
    transcript, cmd = sys.argv[1], sys.argv[2:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    out = bytearray()
    mark = 0
    status = None

    def pump(wait):
        nonlocal status
        r, _, _ = select.select([fd], [], [], wait)
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:
                data = b""
            if data:
                out.extend(data)
                return True
        if status is None:
            p, st = os.waitpid(pid, os.WNOHANG)
            if p:
                status = os.waitstatus_to_exitcode(st)
                if status < 0:
                    status = 128 - status
        return False

    def fail(why):
        sys.stderr.write("pty_drive: %s\n" % why)
        with open(transcript, "wb") as f:
            f.write(out)
        if status is None:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        sys.exit(99)

    for raw in sys.stdin:
        raw = raw.rstrip("\n")
        if not raw:
            continue
        op, _, arg = raw.partition(" ")
        text = codecs.decode(arg.encode("utf-8"), "unicode_escape").encode("latin-1")
        if op == "send":
            os.write(fd, text)
        elif op == "wait":
            limit = time.monotonic() + TIMEOUT
            while out.find(text, mark) < 0:
                if time.monotonic() > limit or (not pump(0.05) and status is not None):
                    fail("timed out waiting for %r" % arg)
            mark = out.find(text, mark) + len(text)
        elif op == "sleep":
            limit = time.monotonic() + float(arg)
            while time.monotonic() < limit:
                pump(0.02)
        elif op == "end":
            limit = time.monotonic() + TIMEOUT
            while status is None:
                if time.monotonic() > limit:
                    fail("timed out waiting for the command to exit")
                pump(0.05)
        else:
            fail("unknown step %r" % raw)
    while pump(0):
        pass
    with open(transcript, "wb") as f:
        f.write(out)
    sys.exit(status if status is not None else 0)


if __name__ == "__main__":
    main()
