module github.com/situationbot/bot

go 1.24

require (
	github.com/philippgille/chromem-go v0.7.0
	github.com/sashabaranov/go-openai v1.43.0
	gopkg.in/yaml.v3 v3.0.1
)

require github.com/kljensen/snowball v0.10.0
