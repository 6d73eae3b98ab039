#!/usr/bin/python3
'''A real ConsoleKit client: LightDM's liblightdm-gobject (the greeters' library) through
python3-gi. Prints "<name>=<result>" per argument:
  can_suspend can_hibernate can_restart can_shutdown   -> LightDM.get_can_*()
  suspend hibernate restart shutdown                  -> LightDM.*() ("True" or "error: <message>")
The system bus is whatever DBUS_SYSTEM_BUS_ADDRESS names (the tests' private bus). Exits 77 when
the LightDM typelib (gir1.2-lightdm-1) is missing.
'''

import sys

import gi

try:
    gi.require_version('LightDM', '1')
    from gi.repository import GLib, LightDM
except (ValueError, ImportError) as e:
    print('no LightDM typelib: %s' % e, file=sys.stderr)
    sys.exit(77)


def main():
    for name in sys.argv[1:]:
        if name.startswith('can_'):
            value = getattr(LightDM, 'get_' + name)()
        else:
            try:
                value = getattr(LightDM, name)()
            except GLib.Error as e:
                value = 'error: ' + e.message
        print('%s=%s' % (name, value), flush=True)


if __name__ == '__main__':
    main()
