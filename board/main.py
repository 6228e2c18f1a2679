# onenetlog demo: what a OneNET device sees, as readable lines on the serial console.
# Runs as main.py on an ESP32 or RP2040 board, and on the unix port (`make demo`).
import sys
import micropython
import onenetlog

# The host tools compare this with their own table (onenetlog monitor, deploy).
print("onenetlog VERSION", onenetlog.VERSION, "TIER", onenetlog.TIER)

log = onenetlog.Logger(name="demo", verbosity=2)  # message + reason + step, in Chinese
log.info("connecting to OneNET over MQTT")
log.status(1104, note="CONNECT refused")  # the platform logged: token expired
log.status(b"\x84", note="CoAP reply byte 0x84")  # CoAP 4.04, as the byte a device receives
# A OneJSON reply with the topic it came on (the topic gives the business type), and a record
# from the platform's trace-log API: each one tagged line.
log.status(b'{"id":"123","code":305,"msg":"no thing-model"}', type="$sys/7ubgKi1vhm/dev1/thing/property/post/reply")
log.status({"type": "1.1", "status": "1401", "trace_id": "ab2fc05759a211ecbfd023bbbfff50a4",
            "content": '{"protocol":"MQTT","offline_reason":"CloseByPeer"}'})
log.status(200, note="reconnected")

# A console that cannot show UTF-8: English, ASCII only.
en = onenetlog.Logger(name="demo", lang="en", ascii=True, verbosity=2)
en.status("4.01", note="CoAP login")
en.status(9999)  # not a platform code: a well-formed unknown line

# The decoder alone, and with the heap locked (a board out of memory can still say why).
print(onenetlog.describe(1107, "en"))
micropython.heap_lock()
onenetlog.write(sys.stdout, 606, "en")
micropython.heap_unlock()
