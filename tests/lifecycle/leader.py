# A session leader for the restart tests: opens a session with the given parameters, prints the
# cookie, keeps its bus connection until stdin closes (or it is killed).
import sys

from gi.repository import Gio, GLib

bus = Gio.bus_get_sync(Gio.BusType.SYSTEM)
params = [('unix-user', GLib.Variant('i', int(sys.argv[1]))),
          ('display-device', GLib.Variant('s', sys.argv[2])),
          ('is-local', GLib.Variant('b', True))]
reply = bus.call_sync('org.freedesktop.ConsoleKit', '/org/freedesktop/ConsoleKit/Manager',
                      'org.freedesktop.ConsoleKit.Manager', 'OpenSessionWithParameters',
                      GLib.Variant('(a(sv))', (params,)), None, 0, -1, None)
print(reply.unpack()[0], flush=True)
sys.stdin.read()
