#!/usr/bin/python3
'''Takes inhibitor locks as whoever runs it and holds them until stdin closes.

The consolekit-ng tests run it as uid 65534 (setpriv) to take locks as an unprivileged user:
  inhibit_holder.py ADDRESS COUNT WHAT MODE
prints one line per Inhibit call ("ok" or "error <D-Bus error name>: <message>"), then "holding",
and exits once its stdin is closed (its fds, and so its locks, go with it).
'''

import sys

from gi.repository import Gio, GLib


def main():
    address, count, what, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    flags = Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION
    conn = Gio.DBusConnection.new_for_address_sync(address, flags, None, None)
    held = []
    for i in range(count):
        try:
            _, fds = conn.call_with_unix_fd_list_sync(
                'org.freedesktop.ConsoleKit', '/org/freedesktop/ConsoleKit/Manager',
                'org.freedesktop.ConsoleKit.Manager', 'Inhibit',
                GLib.Variant('(ssss)', (what, 'holder %d' % i, 'test', mode)),
                GLib.VariantType('(h)'), Gio.DBusCallFlags.NONE, 10000, None, None)
            held.extend(fds.steal_fds())
            print('ok', flush=True)
        except GLib.Error as e:
            name = Gio.DBusError.get_remote_error(e) or '(local)'
            Gio.DBusError.strip_remote_error(e)
            print('error %s: %s' % (name, e.message), flush=True)
    print('holding', flush=True)
    sys.stdin.read()


if __name__ == '__main__':
    main()
