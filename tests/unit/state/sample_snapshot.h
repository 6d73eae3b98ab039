// The two-seat, three-session snapshot behind the database fixture (shared by several tests).
#pragma once

#include "state/records.h"

namespace ck::state::test {

inline Snapshot twoSeatsThreeSessions()
{
    const std::string p = "/org/freedesktop/ConsoleKit/";
    Snapshot s;
    SeatRecord seat1;
    seat1.id = p + "Seat1";
    seat1.kind = 0;
    seat1.sessionIds = {p + "Session1", p + "Session2"};
    seat1.activeSessionId = p + "Session2";
    SeatRecord seat2;
    seat2.id = p + "Seat2";
    seat2.kind = 1;
    seat2.sessionIds = {p + "Session3"};
    seat2.devices = {{"drm", "/sys/devices/pci0000:00/0000:00:02.0/drm/card1"},
        {"input", "/sys/devices/platform/i8042/serio0/input/input3"}};
    s.seats = {seat1, seat2};

    SessionRecord s1;
    s1.id = p + "Session1";
    s1.uid = 0;
    s1.seatId = seat1.id;
    s1.loginSessionId = "1";
    s1.displayDevice = "/dev/tty1";
    s1.isLocal = true;
    s1.creationTime = "2013-07-19T04:29:40.123456Z";
    s1.sessionClass = "user";
    s1.service = "login";
    s1.state = "online";
    s1.vtnr = 1;
    SessionRecord s2;
    s2.id = p + "Session2";
    s2.uid = 1000;
    s2.seatId = seat1.id;
    s2.type = "x11";
    s2.loginSessionId = "2";
    s2.x11DisplayDevice = "/dev/tty7";
    s2.x11Display = ":0";
    s2.isActive = true;
    s2.isLocal = true;
    s2.creationTime = "2013-07-19T04:30:00Z";
    s2.runtimeDir = "/run/user/1000";
    s2.vtnr = 7;
    s2.state = "active";
    SessionRecord s3;
    s3.id = p + "Session3";
    s3.uid = 1001;
    s3.seatId = seat2.id;
    s3.type = "LoginWindow";
    s3.x11Display = ":1";
    s3.remoteHostName = " build host\\01";
    s3.creationTime = "2013-07-19T04:31:12.5Z";
    s3.idleHint = true;
    s3.lockedHint = true;
    s3.idleSince = 1374208180123456;
    s.sessions = {s1, s2, s3};

    s.leaders = {
        LeaderRecord{p + "Session1", 0, 812, ":1.17", "host-1374208180.1-123456789", 4242},
        LeaderRecord{p + "Session2", 0, 1402, ":1.23", "secret'cookie\nwith newline", 18446744073709551615ull},
    };
    return s;
}

} // namespace ck::state::test
