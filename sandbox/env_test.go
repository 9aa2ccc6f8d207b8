package sandbox

import (
	"testing"
	"time"
)

// TestStrftime checks os.date's conversions against glibc's strftime in the
// C locale (Python's time.strftime on the same instants), except %Z: the
// sandbox's zone is UTC where glibc names gmtime's GMT.
func TestStrftime(t *testing.T) {
	afternoon := time.Date(2024, 3, 5, 14, 7, 9, 0, time.UTC)
	midnight := time.Date(2009, 1, 1, 0, 0, 5, 0, time.UTC)
	cases := []struct {
		t            time.Time
		format, want string
	}{
		{afternoon, "%a %A %b %h %B", "Tue Tuesday Mar Mar March"},
		{afternoon, "%c", "Tue Mar  5 14:07:09 2024"},
		{afternoon, "%d|%e|%D|%x|%F", "05| 5|03/05/24|03/05/24|2024-03-05"},
		{afternoon, "%H %I %j %m %M %p %S", "14 02 065 03 07 PM 09"},
		{afternoon, "%s", "1709647629"},
		{afternoon, "%T %X", "14:07:09 14:07:09"},
		{afternoon, "%u %w %y %Y %z %Z", "2 2 24 2024 +0000 UTC"},
		{afternoon, "a%nb%tc%%d", "a\nb\tc%d"},
		{midnight, "%a %c", "Thu Thu Jan  1 00:00:05 2009"},
		{midnight, "%d|%e|%I %p|%j|%u %w|%y", "01| 1|12 AM|001|4 4|09"},
		{midnight, "%q%", "%q%"}, // unknown conversions and a trailing % stay as written
	}
	for _, c := range cases {
		if got := strftime(c.t, c.format); got != c.want {
			t.Errorf("strftime(%v, %q) = %q, want %q", c.t, c.format, got, c.want)
		}
	}
}

// TestOSDate checks os.date's table form and the "!" prefix, and that
// os.time reads a date table as UTC with Lua's defaults.
func TestOSDate(t *testing.T) {
	s, _ := newSandbox(t, `
		function process_message()
			local d = os.date("*t", 1709647629)
			assert(d.year == 2024 and d.month == 3 and d.day == 5, "date")
			assert(d.hour == 14 and d.min == 7 and d.sec == 9, "time")
			assert(d.wday == 3 and d.yday == 65 and d.isdst == false, "wday, yday, isdst")
			assert(os.date("!*t", 1709647629).hour == 14, "!*t")
			assert(os.date("!%H:%M", 1709647629) == "14:07", "!%H")
			assert(os.time({year = 2024, month = 3, day = 5}) == 1709640000, "hour defaults to 12")
			return 0
		end`, Config{})
	if status, msg, err := s.ProcessMessage(testMessage()); err != nil || status != 0 {
		t.Fatalf("status %d, %q, err %v", status, msg, err)
	}
}
