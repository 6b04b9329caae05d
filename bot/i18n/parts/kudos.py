"""`/kudos` (scratch: the contributor recipe's example)."""

EN = {"kudos.thanks": "Thanks for the kudos to {who}!", "core.help.cmd.kudos": "`/kudos [who]`: thank a colleague"}
FI = {"kudos.thanks": "Kiitos kehuista: {who}!", "core.help.cmd.kudos": "`/kudos [kuka]`: kiitä kollegaa"}
