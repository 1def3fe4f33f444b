package question

import (
	"reflect"
	"testing"
)

func TestNormalize(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"plain", "How many people were evacuated?", "How many people were evacuated?"},
		{"greeting and chat spelling", "hey bot, quick question please: how many ppl got evacuated from homs", "How many people got evacuated from homs"},
		{"everyone mention", "@everyone what did Russia say about the evacuation?", "What did Russia say about the evacuation?"},
		{"role and user mentions", "<@&123456789> <@!42> who led the talks?", "Who led the talks?"},
		{"custom emoji", "<:think:1234> when did the ceasefire start", "When did the ceasefire start"},
		{"accents", "What did the envoy say in Genève?", "What did the envoy say in Geneve?"},
		{"can you tell me", "Can you tell me who the UN envoy is?", "Who the UN envoy is?"},
		{"do you know", "do u know where the buses went", "Where the buses went"},
		{"filler dropped, punctuation kept", "what did they eat lol?", "What did they eat?"},
		{"only a greeting", "hello", "Hello"},
		{"initial kept", "What did N. Korea say?", "What did N. Korea say?"},
		{"hyphenated first word kept", "So-called rebels held what?", "So-called rebels held what?"},
		{"names kept", "Who is Lakhdar Brahimi?", "Who is Lakhdar Brahimi?"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Normalize(tc.in); got != tc.want {
				t.Errorf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestNumbers(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"58 people", []string{"58"}},
		{"fifty-eight people", []string{"58"}},
		{"a three-day ceasefire", []string{"3"}},
		{"2,500 prisoners and 1.5 million refugees", []string{"2500", "1500000"}},
		{"two hundred and five", []string{"205"}},
		{"in 2014, one of them", []string{"2014", "1"}},
		{"no numbers here", nil},
		{"between one and two", []string{"1", "2"}},
		{"the 19th century", []string{"19"}},
	} {
		if got := Numbers(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Numbers(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParseType(t *testing.T) {
	for _, tc := range []struct {
		q    string
		want Type
		head string
	}{
		{"How long was the ceasefire agreed for Homs?", Duration, ""},
		{"How many children were evacuated?", Count, "children"},
		{"how much aid got in", Amount, "aid"},
		{"How many aid trucks entered?", Count, "trucks"},
		{"how many ppl got out", Count, "people"},
		{"When did the talks resume?", Date, ""},
		{"What year did the war start?", Date, "year"},
		{"Who is Syria's foreign minister?", Person, ""},
		{"Which organization's paramedics helped the evacuees?", Organization, "organization"},
		{"What agency ran the convoy?", Organization, "agency"},
		{"Where were the civilians taken?", Place, ""},
		{"Which city is the largest?", Place, "city"},
		{"Why did the talks stall?", Reason, ""},
		{"How did Brahimi meet the delegations?", Manner, ""},
		{"What were the evacuees given?", Thing, ""},
		{"What kind of flags did they carry?", Thing, "flags"},
		{"Did the talks resume?", Polar, ""},
		{"hey bot, who runs the UN?", Person, ""},
	} {
		t.Run(tc.q, func(t *testing.T) {
			q := Parse(tc.q)
			if q.Type != tc.want || q.Head != tc.head {
				t.Errorf("Parse(%q) = %v, head %q; want %v, head %q", tc.q, q.Type, q.Head, tc.want, tc.head)
			}
		})
	}
}

func TestParseConstraints(t *testing.T) {
	q := Parse("Why didn't the deputy foreign minister of Syria meet Brahimi on 10 February?")
	if !q.Negated {
		t.Error("Negated = false, want true for didn't")
	}
	if !reflect.DeepEqual(q.Modifiers, []string{"deputy"}) {
		t.Errorf("Modifiers = %q, want [deputy]", q.Modifiers)
	}
	if !reflect.DeepEqual(q.Names, []string{"Syria", "Brahimi", "February"}) {
		t.Errorf("Names = %q", q.Names)
	}
	if !reflect.DeepEqual(q.Numbers, []string{"10"}) {
		t.Errorf("Numbers = %q", q.Numbers)
	}
	if q := Parse("Who is the vice-president?"); len(q.Modifiers) != 1 || q.Modifiers[0] != "vice" {
		t.Errorf("Parse(vice-president).Modifiers = %q, want [vice]", q.Modifiers)
	}
	if q := Parse("How many people left in 1.5 million?"); len(q.Figures) != 1 || q.Figures[0] != "1500000" {
		t.Errorf("Parse(1.5 million).Figures = %q, want [1500000]", q.Figures)
	}
	if q := Parse("After the ceasefire in Homs, which agency ran the convoy?"); q.Type != Organization || q.Head != "agency" {
		t.Errorf("Parse(late wh-word) = %v %q, want organization, agency", q.Type, q.Head)
	}
	plain := Parse("Who is the foreign minister?")
	if plain.Negated || len(plain.Modifiers) > 0 || len(plain.Names) > 0 {
		t.Errorf("Parse(plain) = %+v: no negation, modifiers or names expected", plain)
	}
}

func TestParseFollowUpContext(t *testing.T) {
	q := Parse("who organised it? (about: people evacuated from Homs; following up on: How many left on Friday?)")
	if q.Text != "Who organised it?" || q.Context != "about: people evacuated from Homs; following up on: How many left on Friday?" {
		t.Errorf("Parse = text %q, context %q", q.Text, q.Context)
	}
	if q.Type != Person || len(q.Names) != 0 {
		t.Errorf("Parse = type %v, names %q; want person and no names (the context's names are not the question's)", q.Type, q.Names)
	}
}

func TestFocus(t *testing.T) {
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"whos the syrian prime minister", []string{"syrian", "prime", "minister"}},
		{"Who is the deputy governor of Homs?", []string{"deputy", "governor"}},
		{"Who was the spokeswoman of the US State Department?", []string{"spokeswoman"}},
		{"Which charity ran the shelter?", nil},
		{"What is the capital of Syria?", nil},
		{"How many aid trucks entered Homs?", nil},
		{"When did the talks resume?", nil},
	} {
		if got := Parse(tc.q).Focus; !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Parse(%q).Focus = %q, want %q", tc.q, got, tc.want)
		}
	}
}

func TestSpeaker(t *testing.T) {
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"what did the french government say about the evacuation", []string{"french", "government"}},
		{"What did the deputy foreign minister call the rebels in Homs?", []string{"deputy", "foreign", "minister"}},
		{"How did Brahimi describe the talks?", []string{"brahimi"}},
		{"What did the evacuees get?", nil},
	} {
		if got := Parse(tc.q).Speaker; !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Parse(%q).Speaker = %q, want %q", tc.q, got, tc.want)
		}
	}
}
