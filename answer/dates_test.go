package answer

import (
	"testing"
	"time"
)

func TestResolveDates(t *testing.T) {
	fri := time.Date(2014, 2, 7, 0, 0, 0, 0, time.UTC)  // a Friday
	sun := time.Date(2014, 1, 26, 0, 0, 0, 0, time.UTC) // a Sunday
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name     string
		sentence string
		pub      time.Time
		want     time.Time
		prec     Precision
	}{
		{"weekday is the publication day", "Civilians were evacuated Friday from Homs.", fri, fri, Day},
		{"on weekday, past", "State Department spokeswoman Jen Psaki said Thursday the evacuation was not enough.", fri, day(2014, 2, 6), Day},
		{"on Sunday in a Sunday article", "The government offered to let women leave on Sunday.", sun, sun, Day},
		{"on Saturday in the past", "Brahimi presided on Saturday over the first direct meeting.", sun, day(2014, 1, 25), Day},
		{"weekday in the future", "The first batch of food will be sent on Saturday.", fri, day(2014, 2, 8), Day},
		{"next weekday", "They meet again next Monday.", fri, day(2014, 2, 10), Day},
		{"reported speech is not the future", "Mekdad told a news conference after Sunday's meetings that the government would let women leave.", sun, sun, Day},
		{"last weekday", "The convoy left last Friday.", fri, day(2014, 1, 31), Day},
		{"last month", "The first meetings in Geneva last month.", fri, day(2014, 1, 1), Month},
		{"next week", "Talks are scheduled to begin in Geneva next week.", fri, day(2014, 2, 14), Week},
		{"last year", "Assad's forces retook many towns last year.", sun, day(2013, 1, 1), Year},
		{"Feb. 10", "The talks were adjourned until Feb. 10 with no progress.", fri, day(2014, 2, 10), Day},
		{"month and day with year", "Damage in Homs Jan. 26, 2014.", fri, sun, Day},
		{"day and month", "The round ended on 31 January.", fri, day(2014, 1, 31), Day},
		{"December in a January article", "The deal of Dec. 30 collapsed.", day(2014, 1, 3), day(2013, 12, 30), Day},
		{"yesterday", "Fighting resumed yesterday.", fri, day(2014, 2, 6), Day},
		{"a year", "Homs rose up against Assad in 2011.", fri, day(2011, 1, 1), Year},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ResolveDates(tc.sentence, tc.pub)
			if len(got) == 0 {
				t.Fatalf("ResolveDates(%q) found nothing, want %v", tc.sentence, tc.want.Format("2006-01-02"))
			}
			if !got[0].Date.Equal(tc.want) || got[0].Precision != tc.prec {
				t.Errorf("ResolveDates(%q)[0] = %v (%v, %q), want %v (%v)", tc.sentence, got[0].Date.Format("2006-01-02"), got[0].Precision, got[0].Phrase, tc.want.Format("2006-01-02"), tc.prec)
			}
		})
	}
	for _, s := range []string{"The talks may help build confidence.", "58 people left.", "It was a three-day ceasefire."} {
		if got := ResolveDates(s, fri); len(got) != 0 {
			t.Errorf("ResolveDates(%q) = %+v, want nothing", s, got)
		}
	}
}
