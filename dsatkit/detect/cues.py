"""Multilingual cue lexicons for the heuristic detectors, as data.

A cue is a Rust-regex fragment (polars runs it: no lookaround, no backreferences) with the label it
signals and a confidence meaning roughly "how often this cue is right" (strong cues 0.85-0.9, weak
ones 0.6-0.75). Patterns are lowercase and run on normalised text: lowercased, every whitespace a
space, every apostrophe a straight "'" (so "don'?t" matches don't, don’t and dont). A space in a
pattern matches one or more spaces, and a \\b at a pattern's edge is compiled into an explicit
boundary that also knows accented and Cyrillic letters (see `dsatkit.detect.columnar`).
Chinese has no word boundaries, so its cues are bare strings.

Where a cue may match (`at`):
- "any": anywhere in the head of the turn (its first characters: feedback comes first, and a pasted
  document further down is content, not feedback);
- "start": at the start of the turn, after up to two fillers ("ok,", "but", "嗯");
- "whole": the whole turn is the cue (plus fillers, punctuation and "please"/"thanks").
`after_question=False`: the cue does not fire when the answer before ended with a real question,
because then "no, ..." answers that question instead of correcting the answer.
Vetoes suppress one label on a turn: they hold the known false friends of its cues.

Left out on purpose (in chat logs each is more often part of a new request than feedback):
- bare "wrong", "error", "correct", "fix", "better", "again" anywhere in a turn: they are as often the
  subject of a new request ("what is wrong with my code", "correct my essay", "fix the following
  text") as a verdict on the answer; only their feedback forms are cues ("that's wrong", "fix it");
- "rewrite this: <text>" and "translate ...": a new task on the user's own text, not a redo;
- "tell me more", "elaborate on <a new point>", "another one": building follow-ups (neutral); the
  whole turn "elaborate" / "more detail", or "elaborate on your answer", asks to redo the answer;
- "continue" alone: a revision only after a cut-off answer (the CutoffContinueDetector checks);
- "are you sure", "what are you talking about", "I don't understand": questions about the answer
  (clarification, not DSAT, as SPEC §3 and human annotators of chat reactions read them);
- German "geht nicht" ("es geht nicht um" = "it is not about"), Spanish "no" without a comma,
  Russian "не так" inside "не так ли", Chinese 不对 inside 对不对.
"""

from __future__ import annotations

from dataclasses import dataclass

AT = ("any", "start", "whole")
LANGUAGES = ("en", "zh", "ru", "es", "fr", "de", "pt")


@dataclass(frozen=True, slots=True)
class Cue:
    label: str
    lang: str
    confidence: float
    pattern: str
    at: str = "any"
    after_question: bool = True


@dataclass(frozen=True, slots=True)
class Veto:
    label: str
    lang: str
    pattern: str


def _cues(label: str, lang: str, rows: list[tuple]) -> list[Cue]:
    return [Cue(label, lang, *row) for row in rows]


# Spaces, punctuation and emoji around a cue. An explicit class: Unicode \\p{P} and \\p{S} make the
# regexes several times slower to compile, and polars compiles them again for every batch.
PUNCT = (
    r"[\s!-/:-@\[-`{-~¡-¿‐-―‘-‟…«»。，！？、：；（）【】「」『』～·\x{2600}-\x{27BF}\x{1F300}-\x{1FAFF}]"
)

# Fillers a turn may open with before a "start" cue. Spaced words need a separator after them,
# Chinese ones do not.
LEAD_WORDS = (
    "oh|ok|okay|well|hmm+|um+|uh+|but|and|so|sorry|hey|nah|lol|erm|hm+|ah|"
    "pero|vale|bueno|mais|bon|euh|aber|also|naja|ok(?:ay)?|mas|bem|então|но|ну|а|ой|хм"
)
LEAD_CJK = "嗯|哦|呃|可是|但是|不过|好吧"
# What may follow a "whole" cue: politeness, in every covered language.
TRAIL_WORDS = (
    "please|pls|plz|thanks|thank you|thx|now|then|again|man|bro|"
    "请|谢谢|吧|啊|呀|пожалуйста|плиз|por favor|s'il (?:te|vous) pla[iî]t|stp|svp|bitte|danke|obrigad[oa]"
)

# Shared fragments for English: who the cue is about (the answer) and the verb "be".
_ANS = (
    r"(?:(?:your|the|this|that|the above|the previous|the last) (?:answer|response|reply|code|solution|output|result|"
    r"translation|calculation|math|summary|list|explanation|example|story|poem|script|query|formula|function|"
    r"program|information|info|number|date)|that|this|it)"
)
_BE = r"(?:'s|'re| is| are| was| were| seems| looks)"
_NEG_DO = r"(?:doesn'?t|does not|didn'?t|did not|don'?t|do not|isn'?t|is not|wasn'?t|was not|aren'?t|are not)"

CUES: list[Cue] = [
    # ---------------------------------------------------------------- complaint: wrong/bad, no fix
    *_cues("complaint", "en", [
        # The answer judged wrong or useless. "It's wrong to steal" would match too: rare in chat logs.
        (0.9, _ANS + _BE + r" (?:still |also |completely |totally |all |just |simply |clearly |definitely |obviously )?"
              r"(?:wrong|incorrect|not (?:correct|right|true|accurate|working)|inaccurate|false|nonsense|untrue|"
              r"useless|unhelpful|not helpful|irrelevant|off[- ]topic)\b"),
        # Present tense only: "it was boring" mostly reviews a film or a day, not the answer.
        (0.7, _ANS + r"(?:'s| is| seems| looks) (?:really |very |so |pretty |kind of )?(?:bad|terrible|awful|poor|broken|"
              r"boring|lame)\b"),
        (0.9, r"\byou(?:'re| are) (?:still |completely |totally |clearly )?(?:wrong|incorrect|mistaken|confused|"
              r"not (?:right|correct|listening|answering|helping|helpful|making (?:any )?sense|understanding))\b"),
        (0.75, r"\byou(?:'re| are) (?:so |really )?(?:useless|stupid|dumb|an idiot|weird|hopeless|not good|not smart)\b"),
        (0.85, r"\b(?:wrong|incorrect) (?:answer|again|result|output|response)\b"),
        # The verdict alone, then punctuation: "Not right now" is not one.
        (0.85, r"(?:wrong|incorrect|false|not true|not correct|not right)(?:[.!,;:]|$)", "start"),
        # A bare "nope" rejects the answer; after a question, or with more words ("nope, that's all"),
        # it answers or declines.
        (0.75, r"(?:nope|nah)", "whole", False),
        (0.8, r"\b(?:no|have no|i have no) idea what you(?:'re| are) (?:talking about|saying|on about)\b"),
        (0.8, r"\b(?:you(?:'re| are)(?: \w+)?|that'?s|that is|this is|it'?s|it is)(?: completely| totally| a bit)? "
              r"off[- ]topic\b"),
        (0.85, r"\b(?:that|this|it) (?:can'?t|cannot|couldn'?t) (?:be|possibly be) (?:true|right|correct)\b"),
        (0.75, r"\b(?:(?:close,? )?but not quite(?: right| correct| there| it)?(?:[.!,;]|$)|close,? but|"
               r"not quite (?:right|correct|what)|almost there|getting closer|still not there)"),
        (0.75, r"\bnot quite\b", "start"),
        (0.75, r"\byou assumed\b"),
        (0.8, r"\b(?:not|isn'?t|is not) (?:a )?real (?:person|book|word|place|quote|movie|film|paper|article|study|"
              r"source|thing|company|song|event)\b"),
        # About the answer ("that", "what you said") or opening the turn, not "the plot didn't make sense".
        (0.85, r"\b(?:that|this|it|which|what you (?:said|wrote|mean)|your (?:answer|response|reply)) (?:still )?"
               r"(?:doesn'?t?|does not|didn'?t|did not) make (?:any |much |a lot of )?sense\b"),
        (0.85, r"(?:doesn'?t?|does not|don'?t|didn'?t) make (?:any |much |a lot of )?sense", "start"),
        (0.85, r"\bmakes? no sense\b"),
        (0.85, r"\b(?:not|n't) (?:what|how) i (?:asked|wanted|meant|said|requested|need(?:ed)?|was (?:asking|looking))\b"),
        (0.9, r"\byou (?:still )?(?:didn'?t|did not|don'?t|do not|haven'?t|have not|never|aren'?t|are not) "
              r"(?:answer|respond|address|follow|listen|understand|read|get|suggest|give|provid|solv|fix|specif|"
              r"mention|cover|includ)\w*\b"),
        # Quoting the assistant back at itself.
        (0.75, r"\byou (?:just )?said [\"“']"),
        (0.85, r"\byou (?:misunderstood|misread|misunderstand|got it wrong|got that wrong|missed the point)\b"),
        (0.85, r"\byou(?:'re| are)? (?:just )?(?:hallucinating|lying|making (?:it|this|that|things|stuff) up|"
               r"made (?:it|this|that) up|inventing)\b"),
        (0.85, r"\b(?:making|made) up (?:the |your )?(?:responses?|answers?|things|stuff|facts|information|quotes?|"
               r"names|sources|references)\b"),
        (0.8, r"\bdid you (?:just )?(?:make|made) (?:it|this|that|them) up\b"),
        (0.85, r"\b(?:still|also|again) (?:wrong|incorrect|not (?:working|right|correct|what i)|doesn'?t work|broken)\b"),
        (0.85, _ANS + r" (?:still )?" + _NEG_DO + r" work(?:ing|s)?\b"),
        (0.85, r"\b(?:doesn'?t|does not|didn'?t|did not|not|still not|still doesn'?t) work(?:ing|s)?\b", "start"),
        (0.85, r"\b(?:you (?:just )?(?:repeated|are repeating|keep repeating|said the same|gave (?:me )?the same)|"
               r"same (?:answer|response|thing|code|mistake|error) (?:again|as before))\b"),
        (0.8, r"\b(?:i|we) (?:already|just) (?:said|told you|asked|answered|mentioned|gave you|explained)\b"),
        (0.8, r"\byou already (?:said|told|gave|wrote|asked)\b"),
        (0.85, r"\bi (?:didn'?t|did not|never) (?:ask|say|mention|want|request)(?:ed)? (?:for )?(?:that|this|it|you to|"
               r"about that|for this)\b"),
        (0.8, r"\b(?:that|this|it)(?:'s| is| was) not (?:a |an )?(?:rhyme|rhyming|poem|haiku|sonnet|limerick|joke|"
              r"list|table|summary|story|answer|translation|json|sentence|paragraph)\b"),
        (0.8, r"\b(?:that|this|it)(?:'s| is| was)? not (?:funny|helpful|useful|good enough|enough|relevant|it)\b"),
        # The pronoun alone ("I don't like it."), not "I don't like that movie".
        (0.8, r"\bi (?:don'?t|do not) (?:like|want) (?:(?:it|that|this)(?:[.!,;]|$| at all| one bit)|the (?:answer|response|"
              r"story|poem|ending|code|result)\b)"),
        (0.8, r"\b(?:that|this|it)(?:'s| is| was) (?:not|n't) (?:the|my) (?:problem|issue|question|point)\b"),
        # "Please answer the question based on the passage" opens templated prompts: only the
        # insisting forms count.
        (0.8, r"\b(?:just|why don'?t you|why can'?t you|can you just|will you) answer (?:my|the) (?:damn |previous |"
              r"original |actual )?question\b"),
        (0.8, r"(?:please |pls )?answer (?:my|the) (?:damn |previous |original |actual )?question", "whole"),
        (0.75, r"\bthanks for nothing\b"),
        (0.7, r"\b(?:still|again) (?:getting|get|got|have|has) (?:an |the |this |that |same |a )?(?:same )?errors?\b"),
        (0.7, r"\b(?:it|that|this|your (?:answer|code|solution|fix|suggestion)) (?:still )?(?:didn'?t|did not|doesn'?t|"
              r"does not) (?:help|fix|solve|change anything)\b"),
    ]),
    *_cues("complaint", "zh", [
        # 不对 also sits inside 对不对 ("right?"): vetoed below.
        (0.85, r"不对|错了|你错|答错|不正确|是错的|有错|说错"),
        (0.85, r"不是我(?:要|想要|想|问|说|需要)的|答非所问|不是这个意思|我不是这个意思|跑题|离题"),
        (0.85, r"(?:没|没有)(?:回答|理解|听懂|看懂)(?:我的)?(?:问题|意思)?|你(?:没|没有)(?:懂|明白)|你理解错"),
        (0.8, r"胡说|瞎说|胡编|编造|乱说|瞎编|没用|没有用|毫无意义|说不通|不合理|太差|很差"),
        (0.85, r"(?:还是|仍然|依然)(?:不行|不对|错|报错|没用|不能|有问题)"),
        (0.75, r"不能用|用不了|运行不了|跑不通|不好使|不管用|报错"),
        (0.75, r"(?:又|还是)一样|重复了|同样的(?:回答|答案)"),
        (0.8, r"问题不在(?:这|于)"),
    ]),
    *_cues("complaint", "ru", [
        (0.85, r"\b(?:неправильно|неверно|неправда|не правда|ошибаешься|ошибаетесь|неправильный|неверный|бред|"
               r"ерунда|чушь|бессмыслица|бесполезно)\b"),
        (0.85, r"\b(?:это )?не (?:то|так)\b", "start"),
        (0.85, r"\bне то,? что (?:я )?(?:просил|просила|спрашивал|спрашивала|хотел|хотела|имел в виду|имела в виду)"),
        (0.85, r"\b(?:ты|вы) не (?:ответил|ответила|ответили|понял|поняла|поняли|отвечаешь|понимаешь)\b"),
        (0.85, r"\b(?:не|всё ещё не|все еще не|опять не|до сих пор не) работает\b"),
        (0.8, r"\b(?:опять|снова) (?:то же|одно и то же|неправильно|ошибка|не то)|(?:ты )?повторяешься\b"),
        (0.8, r"\bпроблема не в этом\b|\bне (?:об этом|о том) (?:я )?(?:спрашивал|спрашивала)"),
        (0.8, r"\bошибочн\w*"),
    ]),
    *_cues("complaint", "es", [
        (0.85, r"\b(?:eso|esto|la respuesta|tu respuesta) (?:est[aá]|es) (?:mal|incorrect[oa]|equivocad[oa])\b"),
        (0.85, r"\b(?:incorrecto|est[aá] mal|te equivocas|est[aá]s equivocad[oa]|no es (?:correcto|cierto|verdad))\b"),
        (0.85, r"\bno es (?:lo )?que (?:te )?(?:ped[ií]|pregunt[eé]|quer[ií]a|dije|necesito)\b"),
        (0.85, r"\bno (?:me )?(?:respondiste|has respondido|contestaste|entendiste|has entendido)\b"),
        (0.85, r"\b(?:no|sigue sin|todav[ií]a no|a[uú]n no) funciona\b"),
        (0.85, r"\bno tiene (?:ning[uú]n )?sentido\b"),
        (0.75, r"\b(?:in[uú]til|no sirve|no ayuda)\b"),
        (0.8, r"\b(?:la misma respuesta|lo mismo otra vez|repetiste|te repites|ese no es el problema)\b"),
    ]),
    *_cues("complaint", "fr", [
        # Spoken French drops the "ne": "c'est pas ça", "ça marche pas".
        (0.85, r"\bc'est (?:faux|incorrect|n'importe quoi)\b|\btu te trompes\b|\bvous vous trompez\b"),
        (0.85, r"\b(?:ce n'est|c'est) pas (?:correct|juste|vrai|[çc]a|bon|exact)\b"),
        (0.85, r"\b(?:ce n'est|c'est) pas ce que (?:je|j'ai) (?:voulais|veux|demand[ée]|dit|cherche)"),
        (0.85, r"\b(?:[çc]a|cela|il|le code) (?:ne |n')?(?:marche|fonctionne) (?:toujours )?pas\b"),
        (0.85, r"\b(?:n'a|a) (?:aucun|pas de) sens\b"),
        (0.85, r"\b(?:tu n'as|vous n'avez|t'as) pas (?:r[ée]pondu|compris)\b"),
        (0.75, r"\b(?:inutile|toujours faux|encore faux|la m[êe]me r[ée]ponse|ce n'est pas le probl[èe]me)\b"),
    ]),
    *_cues("complaint", "de", [
        (0.85, r"\b(?:das ist|das war|ist|es ist) (?:leider |immer noch |noch immer |völlig |komplett )?"
               r"(?:falsch|nicht richtig|nicht korrekt|unsinn|quatsch|nutzlos)\b"),
        (0.85, r"\b(?:stimmt (?:so )?nicht|du irrst dich|sie irren sich|du liegst falsch)\b"),
        (0.85, r"\b(?:funktioniert|klappt) (?:immer noch |noch immer |leider |trotzdem )?nicht\b"),
        (0.85, r"\b(?:ergibt|macht) keinen sinn\b"),
        (0.85, r"\bnicht (?:das|was) ich (?:wollte|meinte|gefragt habe|gemeint habe|brauche)\b"),
        (0.85, r"\bdu hast (?:meine frage |mich |es |das )?nicht (?:beantwortet|verstanden)\b"),
        (0.75, r"\b(?:wieder falsch|immer noch falsch|die gleiche antwort|dieselbe antwort|das ist nicht das problem)\b"),
    ]),
    *_cues("complaint", "pt", [
        (0.85, r"\b(?:isso |isto |a resposta )?(?:est[aá]|t[aá]) (?:errad[oa]|incorret[oa])\b|\bincorreto\b"),
        (0.85, r"\bn[aã]o (?:[eé]|est[aá]) (?:certo|correto|verdade|isso)\b"),
        (0.85, r"\bn[aã]o (?:[eé]|foi) (?:isso )?o que (?:eu )?(?:pedi|perguntei|queria|disse)\b"),
        (0.85, r"\bvoc[eê] (?:est[aá] errad[oa]|se enganou|n[aã]o (?:respondeu|entendeu))\b"),
        (0.85, r"\b(?:n[aã]o|continua sem|ainda n[aã]o) funcion(?:a|ou)\b"),
        (0.85, r"\bn[aã]o faz (?:nenhum )?sentido\b"),
        (0.8, r"\bo problema n[aã]o [eé] (?:esse|este|isso)\b|\b(?:in[uú]til|a mesma resposta)\b"),
    ]),

    # ---------------------------------------------------------------- correction: wrong AND what is right
    *_cues("correction", "en", [
        # "no, <the right thing>" corrects; "no, that's all" / "no, I don't think so" answer a question
        # (task assistants ask "anything else?"), and after a real question any "no" answers it.
        (0.8, r"no[,.!:;]? (?:i (?:meant|mean|said|asked|wanted|was asking|was talking)|it(?:'s| is|s| was|'s not| is not)|"
              r"that(?:'s| is) (?:not|wrong|incorrect)|the [^.?!,\n]* (?:is|are|was|were|should be)|"
              r"you(?:'re| are)? (?:wrong|misunderst\w*|forgot|missed|got)|not (?:that|this|what|the)|actually|"
              r"[0-9])\b[^.?!\n]*", "start", False),
        # "not what I meant" is a complaint (0.85) and wins over this.
        (0.8, r"\b(?:what )?i (?:meant|was asking(?: for| about)?|was referring to|was talking about|"
              r"actually (?:meant|wanted|asked))\b[^.?!\n]*"),
        (0.75, r"\bi (?:asked|said|told you|wanted) (?:for|you to|about|to|that|not|only|a|an|how|what|if|whether|why|"
              r"where|who|when|[0-9]+|\")\b"),
        # "It must be expensive" guesses; "should" states the fix, unless it answers a question the
        # assistant asked ("What kind of place?" "It should be a hotel.").
        (0.8, r"\b(?:it|that|this|the (?:answer|result|output|value|number|total|sum|date|year|name|formula|word)) "
              r"should (?:be|have been|say|read|return)\b[^.?!\n]*", "any", False),
        (0.8, r"\b(?:it|that|this|the (?:answer|result|output|value|number|total|sum|date|year|name))(?:'s| is| was) "
              r"supposed to (?:be|say|return)\b[^.?!\n]*"),
        (0.9, r"\bthe (?:correct|right|real|actual) (?:answer|formula|result|value|number|name|date|year|spelling|"
              r"word|one|code|way|term|title|author) (?:is|was|should be|would be)\b[^.?!\n]*"),
        (0.8, r"\b(?:you|u) (?:forgot|missed|left out|omitted|skipped|didn'?t include|did not include|didn'?t mention|"
              r"did not mention|didn'?t add|did not add)\b"),
        (0.8, r"\b(?:it|that|this|he|she|they)(?:(?:'s| is| are| was| were) actually| actually (?:is|are|was|were))"
              r" (?:a|an|the|called|named|spelled|[0-9])\b[^.?!\n]*"),
        # "Actually, I'd prefer Madrid" changes the user's own mind: only "actually" + a verdict counts.
        (0.8, r"\bactually,? (?:it(?:'s| is|s| was)|the [^.?!,\n]* (?:is|are|was|were)|that(?:'s| is) (?:not|wrong)|"
              r"you(?:'re| are))\b[^.?!\n]*", "start"),
        (0.75, r"(?:(?:please|pls|can you|could you|now) )*(?:use|write|say|give|put|do|make it) [^.?!\n]*\binstead\b",
         "start"),
        # "it's not X, it's Y"; the looser "not X, but Y" also opens ordinary statements ("not easy, but ...").
        (0.8, r"\b(?:isn'?t|is not|wasn'?t|was not|not) [^.?!\n,]+, it(?:'s| is| was)\b"),
    ]),
    *_cues("correction", "zh", [
        (0.85, r"应该是|应当是|应该为|正确的(?:是|答案|应该)|正确答案是"),
        (0.85, r"我(?:说|问|要|指|想问)的是|我的意思是"),
        (0.85, r"不是[^，。,.!?！？]+[，,]?(?:而是|是)"),
        (0.8, r"你(?:漏|忘|少)(?:了|掉)"),
    ]),
    *_cues("correction", "ru", [
        (0.8, r"нет[,.!]? (?:я|это|он|она|они|ты|вы|там|не|правильн|на самом)", "start", False),
        (0.85, r"\b(?:должно быть|должен быть|должна быть|правильный ответ|правильно будет|на самом деле)\b"),
        (0.85, r"\bя (?:имел|имела) в виду\b"),
        (0.75, r"\bя (?:спрашивал|спрашивала|спросил|спросила|просил|просила|писал|писала) (?:про|о|об|не|что|чтобы)\b"),
        (0.8, r"\b(?:ты|вы) (?:забыл|забыла|забыли|пропустил|пропустила|пропустили)\b"),
    ]),
    *_cues("correction", "es", [
        (0.8, r"no[,.!] (?:yo|es|era|eso|esto|el|la|los|las|te|quise|quer[ií]a|me refer[ií]a|hay|son)\b",
         "start", False),
        (0.85, r"\b(?:deber[ií]a ser|tiene que ser|la respuesta correcta es|lo correcto es|en realidad es)\b"),
        (0.85, r"\b(?:me refer[ií]a|quise decir|quer[ií]a decir)\b"),
        (0.75, r"\b(?:te )?(?:ped[ií]|dije|pregunt[eé]) (?:que|por|sobre|un|una)\b"),
        (0.8, r"\b(?:olvidaste|te olvidaste|te falt[oó]|omitiste)\b"),
    ]),
    *_cues("correction", "fr", [
        (0.8, r"non[,.!] (?:je|c'est|ce|il|elle|la|le|les|j'ai|tu|vous|pas)\b", "start", False),
        (0.85, r"\b(?:(?:[çc]a|cela|ce) devrait [êe]tre|la bonne r[ée]ponse est|en fait c'est|en r[ée]alit[ée])\b"),
        (0.85, r"\bje (?:voulais dire|parlais de|pensais [àa])\b"),
        (0.75, r"\bj'ai (?:demand[ée]|dit) (?:de|que|un|une)\b"),
        (0.8, r"\b(?:tu as|vous avez) oubli[ée]\b"),
    ]),
    *_cues("correction", "de", [
        (0.8, r"nein[,.!] (?:ich|es|das|der|die|er|sie|du|nicht|eigentlich)\b", "start", False),
        (0.85, r"\b(?:sollte|m[üu]sste|muss) (?:eigentlich )?(?:sein|lauten|hei[ßs]en)\b|\bdie richtige antwort (?:ist|lautet)\b"),
        (0.85, r"\bich (?:meinte|meine damit|wollte eigentlich)\b"),
        (0.85, r"\bnicht [^.?!\n]+, sondern\b"),
        (0.75, r"\bich habe (?:nach|gesagt|gefragt|geschrieben)\b"),
        (0.8, r"\bdu hast [^.?!\n]*vergessen\b"),
    ]),
    *_cues("correction", "pt", [
        (0.8, r"n[aã]o[,.!] (?:eu|[eé]|era|isso|o|a|os|as|voc[eê]|quis|queria|me referia|s[aã]o)\b", "start", False),
        (0.85, r"\b(?:deveria ser|devia ser|tem que ser|a resposta (?:certa|correta) [eé]|na verdade [eé])\b"),
        (0.85, r"\b(?:eu )?(?:quis dizer|me referia|queria dizer)\b"),
        (0.75, r"\beu (?:pedi|perguntei|disse) (?:que|para|sobre|um|uma)\b"),
        (0.8, r"\bvoc[eê] (?:esqueceu|se esqueceu|pulou|omitiu)\b"),
    ]),

    # ---------------------------------------------------------------- revision: redo the same answer
    *_cues("revision", "en", [
        (0.85, r"\b(?:make|keep) (?:it|that|this|them|the (?:answer|text|story|poem|email|response)) (?:a (?:bit|little|lot) )?"
               r"(?:shorter|longer|simpler|clearer|concise|brief|briefer|funnier|better|more \w+|less \w+)\b"),
        (0.85, r"(?:(?:now|please|pls|can you|could you) )*(?:shorter|longer|simpler|more concise|more detailed|"
               r"more details?|less formal|more formal|briefer|be (?:more )?(?:brief|briefer|concise|terse|specific|"
               r"detailed|formal|casual|precise)|be less \w+)\b", "start"),
        (0.8, r"\b(?:it|that|this|your (?:answer|response|reply|text|story|poem|summary|email|code))(?:'s| is| was) "
              r"(?:way |far |much |a bit |still |a little )?too (?:long|short|verbose|vague|generic|formal|informal|"
              r"wordy|complicated|complex|technical|simple|basic|brief|repetitive|much|little)\b"),
        (0.8, r"(?:way |far |much |still )?too (?:long|short|verbose|vague|generic|formal|informal|wordy|"
              r"complicated|complex|technical|simple|basic|brief|repetitive)\b", "start"),
        (0.85, r"(?:(?:please|pls|can you|could you|now) )*(?:re-?write|redo|re-?do|rephrase|reword|regenerate|revise|"
               r"shorten|simplify|condense|improve|fix) (?:it|that|them|your (?:answer|response|reply|code|story|text)|"
               r"the (?:above|previous|last|answer|response|text|story|poem|code|email|letter|essay|list|summary|"
               r"paragraph))\b", "start"),
        (0.85, r"\bimprove (?:your|the) (?:reply|response|answer)\b|\bmake (?:it|a|the|them) better\b|\bbetter version\b"),
        (0.8, r"\b(?:can you |could you |please )?(?:try to )?(?:redraw|redo|regenerate|rewrite) (?:it|that|another|"
              r"a new|a better|the (?:image|drawing|picture|ascii))\b"),
        (0.8, r"(?:please |pls )?(?:try again|again|one more time|once more|redo|do it again|regenerate|think again|"
              r"retry|try harder)", "whole"),
        (0.8, r"\btry again\b", "start"),
        (0.8, r"\bthink (?:again|harder|twice)\b"),
        (0.8, r"(?:(?:please|pls|can you|could you|now) )*(?:put|format|present|give|show|write|display|organi[sz]e|"
              r"list|rewrite|make) (?:it|that|them|this|the (?:answer|results?|data|list|above|information)) "
              r"(?:in|as|into) (?:a |an )?(?:table|bullet(?:ed)? (?:points?|list)|bullets|(?:numbered )?list|json|csv|"
              r"markdown|yaml|code block|paragraphs?|one (?:line|sentence|paragraph))\b", "start"),
        (0.8, r"(?:in|as|into) (?:a |an )?(?:table|bullet(?:ed)? (?:points?|list)|bullets|(?:numbered )?list|json|"
              r"csv|markdown|code block|one (?:line|sentence|paragraph)|(?:english|chinese|russian|spanish|french|"
              r"german|portuguese|italian|japanese|korean|arabic|hindi|urdu|dutch|turkish))", "whole"),
        (0.75, r"(?:(?:please|pls|can you|could you) )*(?:give |add |provide |with |in )?(?:more|much more|even more) "
               r"(?:detail(?:s|ed)?|depth|specifics?|examples?|info(?:rmation)?|context|elaborate|descriptive)",
         "whole"),
        (0.7, r"(?:(?:please|pls|can you|could you) )*(?:elaborate|expand|go deeper|explain (?:more|further|better|"
              r"in more detail))(?: (?:on (?:it|that|this)|more|please))?", "whole"),
        (0.9, r"\b(?:you (?:stopped|got cut off|were cut off|didn'?t finish|did not finish|cut off)|(?:your|the) "
              r"(?:answer|response|code|text|message|sentence|story) (?:got |was |is )?(?:cut off|truncated|incomplete|"
              r"unfinished|not finished))\b"),
        (0.85, r"(?:please )?(?:continue|finish|complete) (?:your|the) (?:sentence|answer|response|code|list|thought)\b",
         "start"),
        (0.7, r"\b(?:in a |with a |use a )?(?:more|less) (?:formal|casual|friendly|professional|polite|serious|"
              r"academic|natural|human) (?:tone|way|style|manner|language)\b"),
        (0.7, r"\byou (?:need|have|should) to be (?:more )?(?:formal|polite|concise|brief|specific|precise)\b"),
        (0.75, r"\b(?:elaborate|expand) on (?:what you (?:wrote|said)|your (?:answer|response|points?)|that|it)\b"),
        (0.7, r"\b(?:but|and|now|please) (?:provide|give|add|include|use|write) (?:much |even |a bit )?more "
              r"(?:technical|detailed|specific|details|examples|depth|concrete)\b"),
        (0.75, r"\b(?:with|to|into) something (?:a bit |a little |slightly |much )?(?:more|less) \w+"),
    ]),
    *_cues("revision", "zh", [
        (0.85, r"重新(?:写|生成|回答|来|说|做|翻译|整理|表述)|再(?:写|来|说|生成|试|做|回答)一(?:次|遍|个|下)|重写|重来"),
        # "详细点介绍X" can open a new request too: a notch below the other redo cues.
        (0.75, r"(?:写|说|讲|回答|解释)?得?(?:更|再)?(?:短|长|简单|详细|具体|简洁|正式|通俗|精简|清楚)一?(?:点|些)"),
        (0.8, r"太(?:长|短|简单|复杂|啰嗦|笼统|模糊|专业|官方)了"),
        (0.75, r"用(?:表格|列表|英文|中文|英语|汉语|markdown|json)", "start"),
        (0.75, r"改成(?:表格|列表|英文|中文)|以(?:表格|列表)(?:形式)?"),
        (0.9, r"(?:没|没有)(?:写|说|回答)完|不完整|被截断"),
        (0.75, r"换(?:一|个)(?:种|个)(?:说法|方式|风格|写法)|润色一下|改进一下|优化一下"),
    ]),
    *_cues("revision", "ru", [
        (0.85, r"(?:перепиши|переделай|переформулируй|сократи|упрости|попробуй ещё раз|попробуй еще раз|попробуй снова|"
               r"ещё раз|еще раз|короче|подробнее|покороче|попроще|более подробно)", "start"),
        (0.85, r"\bсделай (?:его |её |ее |это |текст |ответ )?(?:короче|длиннее|проще|подробнее|формальнее|лучше)\b"),
        (0.8, r"\bслишком (?:длинно|коротко|сложно|много|длинный|короткий|сложный|общо)\b"),
        (0.75, r"(?:в виде таблицы|таблицей|списком|в виде списка|на русском|по-русски|на английском|по-английски)",
         "whole"),
        (0.9, r"\b(?:ты не (?:закончил|дописал|договорил)|допиши|ответ (?:обрезан|оборвался))\b"),
    ]),
    *_cues("revision", "es", [
        (0.85, r"(?:reescr[ií]belo|reescribe|rehazlo|rehaz|vuelve a (?:escribir|intentarlo|hacerlo)|int[eé]ntalo de nuevo|"
               r"otra vez|de nuevo|m[aá]s corto|m[aá]s largo|m[aá]s detallado|m[aá]s detalles|m[aá]s sencillo|"
               r"m[aá]s simple|m[aá]s formal|res[uú]melo|ac[oó]rtalo|hazlo m[aá]s)", "start"),
        (0.8, r"\b(?:es|est[aá]) demasiado (?:largo|corto|complicado|formal|simple|general)\b"),
        (0.75, r"(?:en (?:una )?tabla|en forma de lista|en vi[ñn]etas|en espa[ñn]ol|en ingl[eé]s)", "whole"),
        (0.9, r"\b(?:no terminaste|termina (?:la|tu) respuesta|te cortaste|se cort[oó])\b"),
    ]),
    *_cues("revision", "fr", [
        (0.85, r"(?:r[ée][ée]cris|reformule|refais|recommence|r[ée]essaie|essaie encore|encore une fois|plus court|"
               r"plus long|plus d[ée]taill[ée]|plus de d[ée]tails|plus simple|plus formel|moins formel|r[ée]sume|"
               r"raccourcis|sois plus)", "start"),
        (0.8, r"\bc'est trop (?:long|court|compliqu[ée]|formel|simple|vague)\b"),
        (0.75, r"(?:sous forme de (?:tableau|liste)|en tableau|en liste|en fran[çc]ais|en anglais)", "whole"),
        (0.9, r"\b(?:tu n'as pas fini|termine ta r[ée]ponse|ta r[ée]ponse est coup[ée]e)\b"),
    ]),
    *_cues("revision", "de", [
        (0.85, r"(?:schreib (?:es|das) (?:um|neu)|formulier(?:e)? (?:es |das )?um|nochmal|noch einmal|versuch es (?:noch )?"
               r"(?:mal|einmal|erneut|nochmal)|k[üu]rzer|l[äa]nger|ausf[üu]hrlicher|detaillierter|einfacher|formeller|"
               r"f[öo]rmlicher|lockerer|fasse (?:es|das) zusammen)", "start"),
        (0.8, r"\b(?:das ist|es ist|viel) zu (?:lang|kurz|kompliziert|allgemein|ungenau|förmlich)\b"),
        (0.75, r"(?:als tabelle|in tabellenform|als liste|in stichpunkten|auf deutsch|auf englisch)", "whole"),
        (0.9, r"\b(?:du hast nicht (?:zu ende|fertig)|die antwort ist abgeschnitten|du bist nicht fertig)\b"),
    ]),
    *_cues("revision", "pt", [
        (0.85, r"(?:reescreva|reescreve|refa[çc]a|refaz|tente novamente|tenta de novo|de novo|outra vez|mais curto|"
               r"mais longo|mais detalhado|mais detalhes|mais simples|mais formal|resuma|encurte)", "start"),
        (0.8, r"\b(?:est[aá]|[eé]|ficou) (?:muito|demasiado) (?:longo|curto|complicado|formal|simples|gen[eé]rico)\b"),
        (0.75, r"(?:em (?:uma )?tabela|em forma de lista|em t[oó]picos|em portugu[eê]s|em ingl[eê]s)", "whole"),
        (0.9, r"\b(?:voc[eê] n[aã]o terminou|termine a resposta|a resposta foi cortada)\b"),
    ]),

    # ---------------------------------------------------------------- clarification (not DSAT)
    *_cues("clarification", "en", [
        (0.8, r"\bwhat (?:do|did) you mean\b|\bwhat does (?:that|this|it) mean\b"),
        (0.7, r"\bwhat does [^.?!\n]+ mean\b"),
        # Often an exasperated complaint, but human annotators mostly read it as a question.
        (0.65, r"\bwhat (?:are|were) you (?:talking about|referring to|saying)\b"),
        (0.7, r"\bi (?:don'?t|do not|didn'?t|did not) (?:quite |really |fully )?(?:understand|get it|get what|follow)\b"),
        (0.7, r"\b(?:can|could) you (?:please )?(?:explain|clarify) (?:what|that|this|it|why|how|the (?:last|previous|"
              r"first|second|third|above))\b"),
        (0.65, r"\b(?:are )?you (?:sure|certain)\b"),
        (0.7, r"(?:what|huh|pardon|sorry|come again|meaning|why)", "whole"),
    ]),
    *_cues("clarification", "zh", [
        (0.8, r"什么意思|啥意思|是指什么|指的是什么|你是说"),
        (0.7, r"我(?:不|没|不太|没太)(?:明白|懂|理解)"),
        (0.65, r"你确定|你在说什么|(?:能|可以)?(?:解释|说明)一下"),
    ]),
    *_cues("clarification", "ru", [
        (0.8, r"\bчто (?:ты|вы) (?:имеешь|имеете) в виду\b|\bчто это (?:значит|означает)\b"),
        (0.7, r"(?:я )?не (?:понял|поняла|понимаю)\b", "start"),
        (0.65, r"\b(?:ты|вы) уверен(?:а|ы)?\b|\bо ч[её]м (?:ты|вы)\b|\bпоясни(?:те)?\b"),
    ]),
    *_cues("clarification", "es", [
        (0.8, r"\b(?:qu[eé] quieres decir|qu[eé] significa(?: eso| esto)?|a qu[eé] te refieres)\b"),
        (0.7, r"\bno (?:lo )?(?:entiendo|entend[ií]|comprendo)\b"),
        (0.65, r"\best[aá]s segur[oa]\b|\bde qu[eé] hablas\b"),
    ]),
    *_cues("clarification", "fr", [
        (0.8, r"\b(?:qu'est-ce que (?:tu veux|vous voulez) dire|que veux-tu dire|qu'entends-tu par|"
              r"(?:[çc]a|cela) veut dire quoi|qu'est-ce que (?:[çc]a|cela) veut dire)"),
        (0.7, r"\b(?:je ne comprends pas|je comprends pas|j'ai pas compris|je n'ai pas compris)\b"),
        (0.65, r"\b(?:tu es|vous [êe]tes) s[ûu]re?\b|\bde quoi (?:tu parles|parlez-vous)\b"),
    ]),
    *_cues("clarification", "de", [
        (0.8, r"\b(?:was meinst du|was meinen sie|was bedeutet (?:das|dies)|was hei[ßs]t das|wie meinst du das)\b"),
        (0.7, r"\bich (?:verstehe|versteh) (?:das |es )?nicht\b|\bhab(?:e)? (?:ich |das )?nicht verstanden\b"),
        (0.65, r"\b(?:bist du (?:dir )?sicher|sind sie sicher|wovon redest du)\b"),
    ]),
    *_cues("clarification", "pt", [
        (0.8, r"\b(?:o que (?:voc[eê] )?quer dizer|o que (?:isso|isto) significa|como assim)\b"),
        (0.7, r"\bn[aã]o (?:entendi|entendo|compreendi)\b"),
        (0.65, r"\b(?:voc[eê] )?tem certeza\b|\bdo que (?:voc[eê] )?est[aá] falando\b"),
    ]),

    # ---------------------------------------------------------------- positive (not DSAT)
    *_cues("positive", "en", [
        (0.85, r"(?:thanks?|thank you|thx|ty|tysm|many thanks|much appreciated|appreciate it|perfect|excellent|"
               r"awesome|amazing|wonderful|brilliant|fantastic|good job|well done|great (?:job|answer|work|response)|"
               r"(?:that|this|it)(?:'s| is| was) (?:great|perfect|awesome|excellent|exactly (?:it|what i (?:needed|wanted))|"
               r"very helpful|helpful|very good|so good|amazing)|(?:that|it|this) (?:worked|works)|"
               r"it works|works (?:now|great|perfectly)|you(?:'re| are) (?:right|correct|awesome|amazing|the best)|"
               r"i love it|love it)\b", "start"),
        (0.7, r"(?:great|nice|cool|good|ok(?:ay)? (?:thanks|thank you|great|good|perfect|cool)|got it|exactly|"
              r"sounds good|makes sense|that helps|helpful)\b", "start"),
        # "correct"/"right" praise only when the clause ends there ("it is correct" + code is a question).
        (0.75, r"(?:(?:that|this|it)(?:'s| is| was) )?(?:correct|right|exactly right)(?:[.!,;]|$)", "start"),
        (0.75, r"(?:correct|right|good|great|nice|cool|exactly)", "whole"),
        # A bare "ok"/"yes" acknowledges the answer, unless it answers a question the answer asked.
        (0.65, r"(?:ok|okay|yes|yep|yeah|alright|got it|i see)", "whole", False),
        # Thanks closing a message: mostly a real acknowledgement, sometimes mere politeness.
        (0.6, r"\b(?:thanks?|thank you)(?: (?:so|very) much| a lot)?(?: for (?:the|your) (?:help|answer|reply|"
              r"response|explanation|information|info))?" + PUNCT + "*$"),
    ]),
    *_cues("positive", "zh", [
        (0.85, r"谢谢|感谢|多谢|太好了|完美|太棒了|非常好|很好|好极了|有用|成功了|解决了|可以了|没问题了|正是我"),
        (0.7, r"(?:不错|对的|正确|没错|好的|明白了|懂了)", "start"),
    ]),
    *_cues("positive", "ru", [
        (0.85, r"(?:спасибо|благодарю|отлично|супер|класс|прекрасно|идеально|замечательно|(?:всё |все |теперь )?"
               r"работает|получилось|то,? что нужно)", "start"),
        (0.7, r"(?:верно|правильно|хорошо|понятно|ясно)", "whole"),
        (0.75, r"\bспасибо\b"),
    ]),
    *_cues("positive", "es", [
        (0.85, r"(?:gracias|muchas gracias|perfecto|genial|excelente|muy bien|(?:ya |ahora )?funciona|funcion[oó]|"
               r"eso es|exacto)\b", "start"),
        (0.7, r"(?:correcto|bien|vale)", "whole"),
        (0.75, r"\bgracias\b"),
    ]),
    *_cues("positive", "fr", [
        (0.85, r"(?:merci|parfait|g[ée]nial|excellent|tr[èe]s bien|super|c'est exactement|exactement|(?:[çc]a|cela) "
               r"(?:marche|fonctionne)(?: (?:bien|parfaitement|maintenant))?)\b", "start"),
        (0.7, r"(?:d'accord|bien|correct|bon)", "whole"),
        (0.75, r"\bmerci\b"),
    ]),
    *_cues("positive", "de", [
        (0.85, r"(?:danke|vielen dank|super|perfekt|toll|klasse|prima|genau|sehr gut|(?:es |jetzt |das )?"
               r"(?:funktioniert|klappt|passt))\b", "start"),
        (0.7, r"(?:richtig|gut|stimmt|korrekt)", "whole"),
        (0.75, r"\bdanke\b"),
    ]),
    *_cues("positive", "pt", [
        (0.85, r"(?:obrigad[oa]|valeu|perfeito|[óo]timo|excelente|muito bom|funcionou|(?:agora )?funciona|deu certo|"
               r"exatamente)\b", "start"),
        (0.7, r"(?:correto|certo|beleza|show)", "whole"),
        (0.75, r"\bobrigad[oa]\b"),
    ]),
]

VETOES: list[Veto] = [
    # "correct" opening an imperative ("correct the grammar") is a request, not praise.
    Veto("positive", "en", r"^\W*(?:correct|right|good|great|perfect|nice|cool|ok(?:ay)?)\W*(?:the|my|this|these|"
                           r"following|grammar|spelling|it|me)\b"),
    # Greetings are small talk, not praise.
    Veto("positive", "en", r"^\W*good (?:morning|night|evening|afternoon|day|bye)\b"),
    # Thanks followed by a "but" usually introduces a complaint; "thanks for nothing" is one.
    Veto("positive", "en", r"\b(?:but|however|although|though|except|unfortunately|still|for nothing|no thanks|"
                           r"not (?:great|good|perfect|helpful|what))\b"),
    Veto("positive", "zh", r"但是|可是|不过|但|还是|不对|不是"),
    Veto("positive", "ru", r"\b(?:но|однако|хотя|не работает|не то)\b"),
    Veto("positive", "es", r"\b(?:pero|sin embargo|aunque|no funciona)\b"),
    Veto("positive", "fr", r"\b(?:mais|cependant|pourtant|par contre|marche pas|fonctionne pas)\b"),
    Veto("positive", "de", r"\b(?:aber|jedoch|allerdings|(?:funktioniert|klappt|passt) (?:immer noch |noch |leider )?nicht)\b"),
    Veto("positive", "pt", r"\b(?:mas|por[ée]m|entretanto|contudo|n[aã]o funciona)\b"),
    # "no problem", "no thanks", "no, that's all": polite closings, not corrections.
    Veto("correction", "en", r"^\W*no[,.!]? (?:problem|worries|thanks|thank you|need|more|worry|(?:that|it)(?:'?s| is) "
                             r"(?:all|it|fine|ok|okay|good|great|alright|perfect))\b"),
    Veto("correction", "en", r"\bnot only\b"),
    # Hedged or agreeing "it should be" is an opinion, not a fix: "sounds like it should be fun",
    # "that should be fine", "that should be all".
    Veto("correction", "en", r"\b(?:sounds|looks|seems|feels) like (?:it|that|this) (?:should|must)\b|"
                             r"\bshould (?:be|do) (?:fine|ok|okay|good|enough|all|everything|great|alright|possible|easy|"
                             r"fun|it)\b"),
    Veto("complaint", "en", r"\b(?:nothing wrong|not wrong|no problem|not bad|if i'?m wrong|correct me if)\b"),
    # A question about a generic claim ("is it wrong to ...?") is a new request.
    Veto("complaint", "en", r"^\W*(?:is|was|why is|why was) (?:it|that|this) (?:wrong|bad|incorrect)"),
    Veto("complaint", "zh", r"对不对|对吗|错不错|是不是错"),
    Veto("complaint", "ru", r"\bне так ли\b|\bне то чтобы\b"),
    Veto("complaint", "de", r"\bes geht nicht um\b"),
    # Scheduling: "that doesn't work for me" declines a proposed time, it does not judge an answer.
    Veto("complaint", "en", r"\b(?:doesn'?t|does not|won'?t|will not) work for (?:me|us)\b"),
    Veto("revision", "en", r"\b(?:too long ago|again and again|once again,? (?:thank|thanks))\b"),
    Veto("revision", "ru", r"\b(?:ещё|еще) раз спасибо\b"),
]

# ------------------------------------------------------------------ structural cues
# A short turn that only asks the assistant to go on. It signals a revision only when the answer
# before was cut off; after a finished story "continue" is a building follow-up (neutral).
CONTINUE_REQUEST = (
    r"(?:continue|go on|keep going|carry on|more|next|and\?|\.\.\.|finish(?: it)?|continue (?:please|writing|"
    r"from where you (?:left off|stopped)|your (?:answer|sentence|response|code)|the (?:code|answer|text|story|list))|"
    r"继续(?:写|说|回答|输出)?|接着(?:写|说)|продолжай|продолжи|продолжение|дальше|допиши|contin[uú]a|sigue|"
    r"termina|continuez|la suite|suite|termine|weiter|mach weiter|schreib weiter|fahre fort|fortsetzen|"
    r"prossiga|continuar)"
)

# The opening of an assistant refusal, looked for in the answer's first 200 characters (some logs
# cut the answer's first word: "an AI language model, I cannot ...").
REFUSAL = (
    r"(?:i'?m sorry,? but i|i am sorry,? but i|i apologi[sz]e,? but i|sorry,? but i|"
    r"(?:i'?m sorry|i am sorry|i apologi[sz]e|sorry)[,.]? (?:i|but i) (?:can'?t|cannot|am not able|am unable|won'?t|"
    r"will not|am not programmed|must decline|don'?t feel comfortable)|"
    r"(?:as )?an ai(?: language model| assistant| model)?,? i (?:can'?t|cannot|am not able|am unable|won'?t|must)|"
    r"i (?:can'?t|cannot|am not able to|am unable to|won'?t|will not|must decline to) (?:help|assist|fulfill|comply|"
    r"provide|create|generate|write|produce|engage|do that|answer|continue)|"
    r"it(?:'s| is) not appropriate|i'?m not comfortable|i do not feel comfortable|"
    r"(?:很抱歉|抱歉|对不起)[，,]?(?:但是?)?我(?:不能|无法|不可以)|作为一个?(?:人工智能|ai|语言模型)|"
    r"我(?:不能|无法)(?:提供|回答|帮助|生成|满足)|"
    r"(?:извините|простите|к сожалению)[,.]? (?:но )?я не (?:могу|буду)|как (?:языковая )?модель|я не могу|"
    r"lo siento,? (?:pero )?no puedo|como (?:un )?modelo de lenguaje|no puedo (?:ayudar|proporcionar|crear|generar|escribir)|"
    r"(?:je suis )?d[ée]sol[ée],? (?:mais )?je ne (?:peux|suis) pas|en tant qu'(?:ia|intelligence artificielle|"
    r"assistant|mod[èe]le)|je ne peux pas (?:vous aider|r[ée]pondre|fournir|cr[ée]er|g[ée]n[ée]rer|[ée]crire)|"
    r"es tut mir leid,? (?:aber )?ich kann|als (?:ki|ki-sprachmodell|sprachmodell)|ich kann (?:ihnen |dir )?"
    r"(?:dabei )?nicht helfen|desculpe,? (?:mas )?n[aã]o posso|como (?:um )?modelo de linguagem|"
    r"n[aã]o posso (?:ajudar|fornecer|criar|gerar|escrever))"
)

# Words one of which every refusal opening holds (checked before the REFUSAL regex, case-insensitively
# for ASCII, so the non-ASCII ones come capitalised too).
REFUSAL_WORDS = [
    "sorry", "apologi", "cannot", "can't", "can’t", "cant", "unable", "not able", "won't", "won’t", "wont", "will not",
    "an ai", "not appropriate", "not comfortable", "must decline",
    "抱歉", "对不起", "作为", "不能", "无法", "извин", "Извин", "прост", "Прост", "сожалению", "Сожалению",
    "не могу", "модель", "siento", "no puedo", "modelo de", "désol", "Désol", "desol", "peux pas", "en tant qu",
    "leid", "kann", "sprachmodell", "als ki", "desculpe", "não posso", "nao posso", "comfortable",
]

# After a refusal: the user pushes back without restating the request.
INSIST = [
    r"\b(?:yes|but|come on|please|surely|of course|sure)[,.!]? you (?:can|could|are allowed to|were able to)\b",
    r"\byou (?:can|could) (?:do|answer|write|tell|say|help with) (?:it|this|that|me)\b|\byou are allowed to\b",
    r"\bjust (?:do|answer|write|tell|give|say) (?:it|me|the)\b|\bi insist\b|\b(?:answer|do) (?:it|the question) anyway\b",
    r"\bit'?s (?:just |only |purely )?(?:fiction|fictional|hypothetical|a story|for a (?:story|novel|book|game|research|"
    r"school project))\b|\bhypothetical(?:ly)?\b|\bi (?:give|gave) you permission\b",
    r"\bwhy (?:not|can'?t you|won'?t you)\b|\bstop (?:refusing|apologi[sz]ing)\b|\bdon'?t (?:refuse|apologi[sz]e)\b",
    r"\bi didn'?t ask for your (?:opinion|advice|permission)\b|\b(?:answer|tell me the answer)\w* (?:to |of )?my "
    r"(?:previous|last|original|first) question\b",
    r"你可以的|你能的|就(?:写|说|回答)吧|我坚持|只是(?:一个)?(?:故事|假设|虚构)|为什么不(?:能|行)",
    r"\bты (?:можешь|сможешь)\b|\bпросто (?:напиши|ответь|сделай)\b|\bэто (?:просто )?(?:вымысел|гипотетически)\b|"
    r"\bпочему (?:нет|не можешь)\b",
    r"\bs[ií] puedes\b|\bsolo (?:hazlo|resp[oó]ndeme|escr[ií]belo)\b|\bes (?:solo )?ficci[oó]n\b|\bpor qu[eé] no\b",
    r"\btu peux\b|\bfais-le\b|\bc'est (?:juste )?(?:de la )?fiction\b|\bpourquoi pas\b",
    r"\bdu kannst (?:das|es)\b|\bmach es einfach\b|\bes ist (?:nur )?fiktion\b|\bwarum nicht\b",
    r"\bvoc[eê] (?:pode|consegue)\b|\bs[oó] (?:fa[çc]a|responda)\b|\b[eé] (?:s[oó] )?fic[çc][aã]o\b|\bpor que n[aã]o\b",
]

# ------------------------------------------------------------------ explicit constraints
# A constraint the user states and, after an answer that broke it, states again. Per kind, patterns
# with one capture group: the constraint's object ("table", "spanish", "code"); "count" patterns
# capture the number and then the unit.
COUNT_UNITS = {
    # canonical unit: the unit words that name it
    "word": r"words?|字|слов\w*|palabras?|mots?|w[öo]rt(?:er|ern)?|palavras?",
    "sentence": r"sentences?|句|предложени\w*|frases?|oraci\w*|phrases?|s[äa]tze?n?",
    "line": r"lines?|行|строк\w*|l[ií]neas?|lignes?|zeilen?|linhas?",
    "paragraph": r"paragraphs?|段|абзац\w*|p[aá]rrafos?|paragraphes?|abs[äa]tze?n?|par[aá]grafos?",
    "character": r"characters?|chars|символ\w*|caracteres|caract[èe]res|zeichen",
    "item": r"bullet points?|bullets?|points?|items?|пункт\w*|puntos|[ée]l[ée]ments|punkte|itens|t[oó]picos",
}
CONSTRAINTS: dict[str, list[str]] = {
    "count": [r"(\d{1,4})\s*-?\s*(" + "|".join(COUNT_UNITS.values()) + r")"],
    "format": [
        r"\b(?:in|as|into|using|use) (?:a |an |the )?(table|json|csv|bullet points|bulleted list|numbered list|list|"
        r"markdown|code block)\b",
        r"(?:用|以)(表格|列表)",
        r"\bв виде (таблиц\w*|списк\w*)",
        r"\b(?:en|sous forme de|als|in|em) (?:una |uma |einer |forma de )?(tabla|lista|tableau|liste|tabelle|tabela)\b",
    ],
    # Only as an instruction ("answer in French", "in French please"), not "I can say this in French".
    "language": [
        r"\b(?:answer|reply|respond|write|say it|translate(?: it| this| that)?|speak|talk|explain(?: it)?|rewrite(?: it)?|"
        r"output|only|please)(?: it| this| that)? (?:in|into|to) (english|chinese|mandarin|russian|spanish|french|"
        r"german|portuguese|japanese|korean|arabic)\b",
        r"^\W*(?:in|into) (english|chinese|mandarin|russian|spanish|french|german|portuguese|japanese|korean|arabic)\b",
        r"用(中文|英文|英语|汉语|日语)",
        r"\b(?:ответь|отвечай|пиши|напиши|переведи)(?: это)? (?:на|по-)(русском|английском|русский|английский)\b",
        r"\b(?:responde|contesta|escribe|r[ée]ponds|[ée]cris|antworte|schreib|responda|escreva)(?: "
        r"\w+)? (?:en|auf|em) (español|inglés|français|anglais|deutsch|englisch|português|inglês)\b",
    ],
    "only": [
        r"\b(?:only|just) (?:give |answer |reply |respond |output |return |write |list |provide |show |print )?(?:me )?"
        r"(?:with )?(?:the )?(code|names?|answer|numbers?|result|output|letter|list|word|yes or no|final answer|"
        r"translation|json|sql|query|command|titles?)\b",
        r"\b(?:no|without|don't (?:need|want)(?: any)?|do not (?:need|want|add|include)(?: any)?) (?:the )?"
        r"(explanations?|descriptions?|comments?|intro|introduction|preamble|notes?|extra text|additional text|details)\b",
        r"(?:不要|无需|不需要|不用)(解释|说明|描述)",
        r"\b(?:без|sin|sans|ohne|sem) (объяснени\w*|пояснени\w*|explicaci\w*|explication\w*|erkl[äa]rung\w*|explica\w*)",
    ],
    "exclusion": [
        r"\b(?:don't|do not|never|avoid|stop) (?:use|using|include|including|mention|mentioning|say|saying|write|"
        r"writing|add|adding) (?:any |the |a )?(?:words? |phrases? |term )?[\"“']?([\w-]{3,})",
    ],
}
# An answer longer than this breaks an "only the X" / "no explanation" constraint.
ONLY_MAX_CHARS = 250
# What shows that an answer is in the language asked for: its script, or a few of its commonest words.
_EN, _ES, _FR, _DE, _PT = (
    r"\b(?:the|and|is|of|to|you)\b", r"\b(?:el|los|que|para|una|es)\b", r"\b(?:le|les|est|une|des|pour)\b",
    r"\b(?:der|die|das|und|ist|nicht)\b", r"\b(?:os|que|para|uma|não|é)\b",
)
LANGUAGE_MARKERS = {
    "chinese": r"\p{Han}", "mandarin": r"\p{Han}", "中文": r"\p{Han}", "汉语": r"\p{Han}",
    "japanese": r"[\p{Hiragana}\p{Katakana}]", "日语": r"[\p{Hiragana}\p{Katakana}]",
    "korean": r"\p{Hangul}", "arabic": r"\p{Arabic}",
    "russian": r"\p{Cyrillic}", "русском": r"\p{Cyrillic}", "русский": r"\p{Cyrillic}",
    "english": _EN, "英文": _EN, "英语": _EN, "английском": _EN, "английский": _EN, "inglés": _EN, "anglais": _EN,
    "englisch": _EN,
    "inglês": _EN, "spanish": _ES, "español": _ES, "french": _FR, "français": _FR, "german": _DE, "deutsch": _DE,
    "portuguese": _PT, "português": _PT,
}

# Words too common to show that two requests are the same one (the rephrase overlap ignores them).
STOPWORDS = frozenset(
    "a an the and or but if of to in on at for with from by about as is are was were be been being am has have had "
    "there here than also very much many some any more most other such only own same into over then it its this that these "
    "those i me my you your we our they them he she his her what which who how why when where do does did can could "
    "would should will please pls just so not no yes ok okay me give tell show write make "
    "的 了 是 我 你 在 吗 呢 啊 吧 和 这 那 个 一 有 也 就 都 要 请 "
    "и в не на я что с а как это по но ты мне для то же или о да ли "
    "el la los las de que y en un una es por para con no me lo se del al "
    "le la les de des du et en un une est que pour pas je tu vous il ce qui "
    "der die das und ist nicht ich du sie es ein eine zu mit von den dem was wie "
    "o a os as de que e em um uma é para com não por do da eu você "
    # Greetings and thanks: repeating "thanks" or "hi" is not restating a request.
    "hi hello hey thanks thank thx problem worries sorry bye good great nice cool".split()
)
