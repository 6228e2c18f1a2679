# The board side of tests/golden/session.log (docs/report.md): ~4 minutes of a device that
# connects, reports, loses its token, reconnects. Runs on the MicroPython unix port (full build).
import time
import onenetlog

print("onenetlog VERSION", onenetlog.VERSION, "TIER", onenetlog.TIER)
log = onenetlog.Logger(name=None, lang="en", clock=True)
app = onenetlog.Logger(name="app", lang="en", clock=True)
app.info("boot: free heap 123456 bytes")
plan = [(200, "connected"), (200, "property post"), (1104, "CONNECT refused"), (404, "coap get"),
        (200, "property post"), (305, "thing model"), (1401, "offline_reason=CloseByPeer"), (200, "reconnected"),
        (3001, "push"), (200, "property post"), (1021, "downlink"), (200, "ok")]
t0 = time.time()
i = 0
while time.time() - t0 < 230:
    code, note = plan[i % len(plan)]
    if (i // 40) % 3 == 1 and code == 200:
        code, note = 1104, "token expired again"
    log.status(code, note, id=i)
    if i % 7 == 0:
        app.info("rx $sys/7ubgKi1vhm/dev1/thing/property/post/reply {\"id\":\"%d\",\"code\":200}" % i)
    i += 1
    time.sleep(0.4)
app.warning("<script>alert('x')</script> & done")
print("session end")
