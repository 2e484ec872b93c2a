"""Small hand-kept word lists (folded forms) that no knowledge entry can supply.

Stop words carry no topic; question words are deliberately absent, because
"кім" (who) and "қалай" (how) tell sibling topics apart. The function words
below mark a language in text that shares no vocabulary with the base.
"""

from __future__ import annotations

from knowledge.text import fold

STOP_WORDS = frozenset(fold(w) for w in """
и в во на с со по для к ко о об от до из у за же бы ли а но или то это этот эта эти этого
мне меня мы нас нам я ты вы вас вам он она они их его ее там тут уже еще ну вот пожалуйста
подскажите скажите расскажите подскажи скажи расскажи плиз пжл можно ли
вообще именно просто простыми словами слушайте кстати короче типа вот как бы
жалпы өзі қысқаша қарапайым тілмен
және мен бен пен да де та те ма ме ба бе па пе ғой қой ше енді сол осы бұл ол сен сіз біз
олар маған бізге бізде сізге сіздің біздің менің осыны соны айтыңызшы айтып берші беріңізші
өтінемін түсіндіріңізші
ға ге қа ке на ны ні ды ді ты ті ның нің дың дің тың тің дан ден тан тен нан нен да де та те
""".split())

KAZAKH_FUNCTION_WORDS = frozenset(fold(w) for w in """
және мен біз сіз бізге сізге бізде маған қалай қандай қашан қанша кім не неше қайда неге
керек бар жоқ емес үшін бойынша туралы деген дегеніміз болады бола ма ме ба бе па пе ғой
бұл осы сол ол олар берші беріңіз айтыңыз білесің білесіз жасау істеу алу беру
""".split())

RUSSIAN_FUNCTION_WORDS = frozenset(fold(w) for w in """
и в во на с со по для к о об от до из у за же бы ли а но или что это как где когда кто
какой какая какие каких сколько нужно надо можно ли мне мы нам нас вы вам вас я ты он она
они есть будет было если чтобы хочу хотим подскажите скажите пожалуйста здравствуйте привет
""".split())

# Words that make a sentence a question or a request for an answer (folded).
QUESTION_WORDS = frozenset(fold(w) for w in """
как что какие какой какая каких каким сколько где когда кто куда зачем почему чем ли можно нужно
надо обязательно подскажите скажите расскажите объясните разъясните поясните уточните хотим хочу
интересует просим прошу
қалай қандай қашан қанша кім не неше қайда неге несі ма ме ба бе па пе керек бола ала
айтыңызшы түсіндіріңізші айтып түсіндіріп білгім білгіміз
""".split())


def asks(sentence: str, words: list[str]) -> bool:
    """Whether a sentence asks something: a question mark or a question or request word."""
    return "?" in sentence or any(fold(word) in QUESTION_WORDS for word in words)
