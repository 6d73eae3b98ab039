# Opens COUNT ConsoleKit sessions on one bus connection, as whoever runs it (the hook-flood test
# runs it as uid 65534), prints "opened N", and holds them until stdin closes.
#   session_flood.py ADDRESS COUNT
import sys

from gi.repository import Gio, GLib

address, count = sys.argv[1], int(sys.argv[2])
flags = Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION
conn = Gio.DBusConnection.new_for_address_sync(address, flags, None, None)
opened = 0
for _ in range(count):
    try:
        conn.call_sync('org.freedesktop.ConsoleKit', '/org/freedesktop/ConsoleKit/Manager',
                       'org.freedesktop.ConsoleKit.Manager', 'OpenSession', None,
                       GLib.VariantType('(s)'), Gio.DBusCallFlags.NONE, 10000, None)
        opened += 1
    except GLib.Error:
        pass  # a cap or a rate limit of the daemon: what got through is the flood
print('opened %d' % opened, flush=True)
sys.stdin.read()
