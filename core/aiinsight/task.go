package aiinsight

import "strings"

// The kinds of AI insight, and the stages of making one. A request's Task
// (ports.AIRequest) is "<kind>.<stage>", with ".repair" after it when it
// asks again for an answer that did not validate.
const (
	KindSummary = "summary"
	KindTopics  = "topics"
	KindTone    = "tone"

	// StageMap reads a transcript (a chunk of the chat, or all of it).
	StageMap = "map"
	// StageReduce combines the answers of several maps (or reduces).
	StageReduce = "reduce"
)

const repairSuffix = ".repair"

// Task names a request.
func Task(kind, stage string) string { return kind + "." + stage }

// ParseTask splits a task into its kind and stage and says whether it is
// a repair.
func ParseTask(task string) (kind, stage string, repair bool) {
	task, repair = strings.CutSuffix(task, repairSuffix)
	kind, stage, _ = strings.Cut(task, ".")
	return kind, stage, repair
}
