"""Harm asked in operations vocabulary: malware planted in an image, data or model weights taken, logs edited,
a container escaped, a model poisoned, a control bypassed, a service flooded, secrets sent from a build step,
credentials that are not yours.

Harm is a strong signal (one is enough), or two weak ones of different kinds: an act and a circumstance that
makes it harm (hidden: "so nobody sees"; not the asker's: "a cluster I don't own", "my ex's"; aimed at others:
"a public dataset"; meant to hurt: "so their model gets worse"; against a limit set on purpose: "my role is
read only"). Defensive questions ("how do I detect exfiltration", "stop anyone from wiping the trail") and the
asker as victim ("we got hit by a miner") are not attacks. tests/core/test_safety_ops.py measures both ways,
with a held-out round never used to tune the rules.
"""

from __future__ import annotations

import re

from app.core.reading import IN_SENTENCE as _S
from app.core.reading import any_of, judge

# --- harm in operations vocabulary ------------------------------------------------------------------
_MINER = (r"(crypto|coin|monero|bitcoin|xmr)[ -]?min(er|ers|r|rs|ing)\b|xmrig|(eth|cpu|gpu|cg|bfg|nb|lol|phoenix)"
          r"miners?\b|min(e|es|ing) (crypto\w*|monero|bitcoin|xmr|coins?)\b")
_TOOL = (r"\b(ransomware|key ?loggers?|malware|viruse?s?|worms?|trojans?|backdoors?|back doors?|rootkits?|botnets?|"
         rf"spyware|(info)?stealers?|{_MINER}|miners?|(?<!data )(?<!log )(?<!text )(?<!process )mining (process|"
         r"script|job|pod|container|software|binary|payload|daemon|workload|rig|pool|program)s?|reverse shells?|"
         r"web ?shells?|"
         r"bind shells?|droppers?|logic bombs?|time ?bombs?|(hidden|secret) (triggers?|kill ?switch\w*)|wipers?|"
         r"minero\w*|troyano|puerta trasera|mineur\w*|cheval de troie|"
         r"porte derobee|schadsoftware|trojaner|hintertur|minerador\w*|cavalo de troia|porta dos fundos|"
         r"minatore|cavallo di troia)\b|(вымогател|троян|бэкдор|майнер|вирус)\w*|"
         r"勒索软件|木马|后门|挖矿|病毒|恶意软件|键盘记录")
# tools whose only use is attack: a mention is a request unless the question is about defending or understanding
_TOOL_STRONG = re.compile(r"\b(ransomware|key ?loggers?|rootkits?|botnets?|backdoors?|back doors?|spyware|"
                          rf"(info)?stealers?|{_MINER}|cryptojack\w*|reverse shells?|"
                          r"web ?shells?|trojans?|puerta trasera|porte derobee|hintertur|porta dos fundos|"
                          r"cavallo di troia|cheval de troie)\b|(вымогател|троян|бэкдор|майнер)\w*|"
                          r"勒索软件|木马|后门|挖矿")
_EXPLAIN = re.compile(r"^\W*(what|whats|what's|explain|define|describe|why|is|are|que es|qu'est|was (ist|sind)|"
                      r"o que|cos'e|che cos|что такое|什么是)\b|\bhow (does|do|did) (an? |the )?\w+( \w+)? work\b")
_MAKE = (r"\b(write|build|create|make|code|develop|generate|craft|deploy|plant|install|hide|hid|embed|inject|sneak|"
         r"stash\w*|tuck\w*|conceal\w*|camouflag\w*|masquerad\w*|"
         r"smuggle|spread|slip|bury|disguise|obfuscate|pack|launch|persist|escrib\w*|crea|construy\w*|ocult\w*|"
         r"escond\w*|instal\w*|mete|meter|inyect\w*|ecri\w*|cree|fabrique\w*|cache|cacher|dissimul\w*|schreib\w*|"
         r"erstell\w*|bau\w*|versteck\w*|einschleus\w*|escrev\w*|crie|nascond\w*|scrivi)\b|"
         r"(напиши|создаи|спрячь|спрятать|скрыть|внедри|установи|запусти)\w*|编写|制作|隐藏|植入|偷偷运行|部署|藏")
_ASSET = (r"\b(customer|client|user|patient|employee|payroll|people|colleague|coworker)s?'?s?'? (data|table|database|"
          r"db|records|list|e-?mails?|dms|direct messages|messages|chats|files|photos|slack \w+)|"
          r"\b(pii|personal data|credit cards?|passwords?|password hashes|credentials|creds|session (cookies|tokens)|"
          r"cookies|(access|api|ssh|private|secret|aws|gcp|azure) keys?|keys|tokens?|secrets|databases?|db dumps?|"
          r"datos|contrasenas|credenciales|base de datos|donnees|mots de passe|identifiants|base de donnees|daten|"
          r"passworter|zugangsdaten|datenbank|dados|senhas|credenciais|banco de dados|dati|credenziali|poids|"
          r"gewichte|modellgewichte|pesos|pesi)\b|"
          r"(данн|парол|баз\w* данных|учетн|токен)\w*|数据|密码|凭证|凭据|账号|数据库|令牌")
_DEFENSIVE = re.compile(r"\btest\w* (\w+ ){0,4}against\b|\b(resist\w*|resilien\w*|detect\w*|prevent\w*|"
                        r"protect\w*|defend\w*|block\w*|stop\w*|catch\w*|"
                        r"spot\w*(?! (vms?|instances?|nodes?|node pools?|fleets?|pric\w*|market|capacity|gpus?)\b)|"
                        r"find(?! (an? )?ways?\b| out how)\w*|"
                        r"remov\w*|clean\w*|mitigat\w*|monitor\w*|alert\w*|investigat\w*|respond\w*|"
                        r"recover\w*|harden\w*|secur\w*|revok\w*|rotat\w* (\w+ ){0,3}(keys?|tokens?|secrets?|"
                        r"credentials|creds|passwords?|certs?|certificates?|kubeconfigs?|logs?)|identif\w*|"
                        r"recogni[sz]\w*|notic\w*|"
                        r"analy[sz]\w*|quarantin\w*|dlp|detectar|proteger|prevenir|detecter|erkenn\w*|"
                        r"schutz\w*|verhinder\w*|rilevar\w*|proteggere|scan\w* (\w+ ){0,4}for|inspect\w*|verif\w*|"
                        r"validat\w*|hunt\w*|"
                        r"look(ing)? for|check\w* (\w+ ){0,5}for)\b|(обнаруж|защит)\w*|检测|防御|防止")
# the asker is the victim ("we got hit by", "could it be a miner?"), so a named attack tool is the subject, not the ask
_VICTIM = re.compile(r"\b((got|was|were|been|is|are|'re|'m|am) (hit|infected|compromised|breached|hacked|owned|pwned)|"
                     r"(is|could|might|can) (it|this|that) be|signs? of|symptoms? of|suspicious|incident|get rid of|"
                     r"clean (it |them |this )?up|(someone|somebody|an attacker|attackers) (\w+ )?(planted|installed|"
                     r"put|left|dropped|is running|was running|has|had)|(ransomware|malware|attackers?|hackers?|"
                     r"intruders?|miners?|worms?|it|they) (\w+ ){0,4}(can'?t|cannot|can not|won'?t|couldn'?t)|"
                     r"(indicators?|evidence|traces?) of|accidentally|by (accident|mistake)|(if|when|whether) (an? |"
                     r"the )?(insider|"
                     r"attacker|intruder|hacker|adversary|employee|contractor|intern|user|colleague|coworker|teammate|"
                     r"developer|dev|engineer|someone|somebody) (\w+ ){0,2}(cop(y|ies)|steals?|exfiltrates?|"
                     r"downloads?|tries|uploads?|takes?|moves?|deletes?|disables?|runs?|installs?)|alerts? (should|"
                     r"would|will) fire)\b")
# "stop anyone from wiping the trail": the offensive verb is what is prevented, and people are its subject
_PROTECTS = re.compile(r"(stop|prevent|keep|block|forbid|den(y|ies))\w* (anyone|anybody|people|attackers?|hackers?|"
                       r"intruders?|users?|someone|somebody|others|employees|staff|them|admins?|insiders?|malware|"
                       r"ransomware|developers?|devs?|contractors?|interns?) (\w+ )?from\b")
# the offensive words name what the asker means to avoid ("instead of borrowing my colleague's kubeconfig")
_AVOIDED = re.compile(r"\b(give|grant|share with|invite)\w* (other|another|users?|people|teams?|colleagues?|"
                      r"coworkers?)|"
                      r"\b(instead of|rather than|without having to|so (that )?(i|we) (don'?t|do not) (have|"
                      r"need) to)\b")
_ATTACKER_QUESTION = re.compile(r"\b(how|why|what|where|when) (do|does|did|would|could|can|might) (an? |the )?"
                                r"(attackers?|hackers?|adversar(y|ies)|criminals?|threat actors?|intruders?|"
                                r"bad actors?|malware|ransomware)\b")
_FIRST_PERSON_ASK = re.compile(r"\b(help me|give me|write (me )?(a|an|the)|for me|i want to|i need to|"
                               r"i'd like to|my own)\b")
HARM_STRONG = any_of(
    f"({_MAKE}){_S}{{0,50}}?({_TOOL})",
    r"\b(steal(ing|s)?|swip(e|ing)|pilfer(ing)?|harvest(ing)?|phish(ing)?|skim(ming)?|rob|robar|voler|stehlen|"
    r"klauen|roubar|"
    rf"rubar\w*|rubare)\b{_S}{{0,40}}?({_ASSET})|(украсть|укради|красть|похитить|похищ)\w*{_S}{{0,40}}?({_ASSET})|"
    r"窃取|盗取|偷取|偷走|偷拿",
    r"\b(exfiltrat\w*|exfil|exfiltrer|exfiltrar|exfiltrieren|esfiltrar\w*)\b|эксфильтр\w*|外泄",
    r"\b(disabl\w*|turn(ing)? off|switch(ing)? off|shut(ting)? off|stop\w*|kill\w*|delet\w*|remov\w*|wip\w*|"
    r"clear\w*|eras\w*|truncat\w*|shred\w*|purg\w*|tamper\w* with|scrub\w*|empty\w*|desactiv\w*|apag\w*|"
    r"borr\w*|elimin\w*|effac\w*|supprim\w*|coup\w*|desativ\w*|exclu\w*|limp\w*|disattiv\w*|spegn\w*|"
    rf"cancell\w*)\b{_S}{{0,30}}?\b(audit ?logs?|audit trail|auditd|audit logging|cloud ?trail|security logs?|"
    r"event logs?|auth\.log|guardduty|falco|edr|crowdstrike|defender|sentinelone|siem|ids|auditoria|"
    r"registros de auditoria|journa\w* d'audit|logs? d'audit|audit-logs|logs de auditoria|log di audit)\b|"
    r"\b(falco|guardduty|cloudtrail|auditd|edr|crowdstrike|defender|sentinelone|siem|antivirus)\b.{0,20}\b(stop|quit|"
    r"cease)\w* (alerting|logging|reporting|detecting|watching|scanning|flagging)\b|\b(audit\W?logs?|"
    r"audit-protokoll\w*|auditd|cloudtrail)\b.{0,40}\b(abschalt\w*|"
    r"deaktivier\w*|ausschalt\w*|losch\w*|entfern\w*)\b|\b(losch|entfern|deaktivier|abschalt|schalt)\w* .{0,30}"
    r"(cloud ?trail|audit)|(отключ|удал|очист|стер|выключ)\w*.{0,30}аудит|(关闭|删除|清除|禁用|清空).{0,10}审计",
    r"\b(evad\w*|evasion|bypass\w*|get(ting)? past|slip(ping)? past|sneak(ing)? past|circumvent\w*|dodg\w*|"
    r"fool\w*|trick\w*|blind\w*|beat\w*|outsmart\w*|(get|slip|sneak|smuggle)\w* (\w+ ){1,3}past|evadir|eludir|"
    r"burlar|contourn\w*|aggirar\w*|eluder\w*|contornar|driblar)\b"
    rf"{_S}{{0,25}}?\b(detection|detectors?|antivirus|anti-virus|av|edr|xdr|ids|siem|soc|crowdstrike|defender|"
    r"sentinelone|falco|guardduty|security (team|tools?|scanners?|monitoring|agents?)|image scann\w*|deteccion|"
    r"detection|deteccao|rilevamento|erkennung|virenscanner)\b|\bavoid\w* (being |getting )?(detect\w*|caught)\b|"
    r"обоити .{0,20}(антивирус|обнаружени|защит|edr)|"
    r"(绕过|躲避|逃避|规避).{0,10}(检测|杀毒|防病毒|安全|审计|监控)|免杀",
    r"\b(use|using|try|trying|test|log ?in with|login with|sign in with|authenticate with|abuse|spray|reuse|"
    r"sell|buy)\b.{0,30}\b(stolen|leaked|phished|dumped|harvested|cracked|breached|someone else'?s|other people'?s)"
    r"\b.{0,20}\b(credentials|creds|keys|passwords|tokens|cookies|sessions|logins|accounts)\b|"
    r"\b(credenciales|contrasenas|credenciais|senhas|credenziali|password) (robad|roubad|rubat)\w*|"
    r"\b(identifiants|mots de passe) vole|\bgestohlene\w* (zugangsdaten|passworter|schlussel|token)|"
    r"украденн\w* (парол|учетн|ключ|токен)|(被盗|偷来)的?(凭证|密码|账号|密钥)|"
    r"\b(stolen|phished|harvested|dumped|breached|someone else'?s) (\w+ ){0,2}(credentials|creds|passwords|tokens|"
    r"cookies|keys|logins|accounts)\b.{0,40}\b(log ?in|sign ?in|access|use|get into|authenticate)\b",
    r"\b(break\w*|hack\w*|sneak\w*) into\b.{0,40}\b(accounts?|servers?|networks?|systems?|clusters?|databases?|db|"
    r"machines?|box|computers?|laptops?|phones?|wifi|routers?|e-?mails?|inbox|banks?|pods?|containers?|nodes?|"
    r"vpcs?|buckets?|instances?|websites?|sites?|repos?|\w+'s)\b|\bhack (someone|somebody|my (ex|neighbou?r|\w+)'s|"
    r"their|an? (account|server|"
    r"website|site|wifi|network))\b|\bcryptojack\w*|\bdox+(ing|ed)?\b|\bcredential stuffing\b|"
    r"\bpassword spray\w*|\bddos(ing)? (a|an|the|my|their|his|her|someone|this|that|our|competitor)\b|"
    r"\b(launch|run|start|perform|execute|script|write|build|rent|buy|order)\b.{0,20}\b(ddos|dos attack|"
    r"denial[- ]of[- ]service|syn flood|http flood)\b|\b(write|create|make|build|craft|clone|host|send|generate|"
    r"design|set up|draft)\b.{0,30}\b(phishing|fake login|spoofed|credential harvesting)\b|\bspoof(ing)? (the|an?|"
    r"their|our|his|her|\w+'s) (\w+ )?(e-?mails?|senders?|domains?|login|caller id|sms)\b|\bso (that )?(people|users|"
    r"victims|they|employees|someone|colleagues) (will )?(enter|type|submit|give|hand over) (their|in their)? ?"
    r"(\w+ )?(passwords?|credentials|logins|card)\b|\b(make|build)\b.{0,20}\b(bomb|explosive|weapon)s?\b",
    r"\b(not|never|don'?t|doesn'?t|without|(keep|stop|prevent)\w* (my|our) (\w+ ){0,2}from) (show(ing)? up|"
    r"appear(ing)?|(being |getting )?(logged|recorded))\b.{0,20}\b(audit|cloudtrail|trail|history|siem)\b|"
    r"\b(make sure|ensure|so( that)?|keep) (absolutely )?nothing (i (do|run|type) )?(ends? up|shows? up|gets? "
    r"(logged|recorded|saved|written)|is (logged|recorded|saved|written)|appears?|stays?) in (the |my |any )?"
    r"(bash history|shell history|\.?bash_history|journald|audit\w*( logs?)?|auth\.log|cloudtrail)\b",
    r"\bkeep (my |our )?(access|a way in|a foothold|root)\b.{0,30}\bafter (i|we)\b|\b(hidden|secret|backdoor|rogue)"
    r" (users?|accounts?|admins?|ssh keys?)\b",
    r"\bcrack\w* (\w+ ){0,2}(passwords?|hashes|wifi|wpa2?|license keys?)\b",
    r"\b(hackear|hackeo|pirater|piratage|hacken|invadir|hackerare|bucare)\b|взлом\w*|入侵|黑进|黑掉|盗号",
    # the asker's own actions kept out of the audit record ("make cloudtrail skip the calls I make")
    r"\b(cloud ?trail|audit\w*|auditd|siem|falco|guardduty|edr|security logs?|(shell|bash) history|auth\.log)\b.{0,40}"
    r"\b(skip\w*|ignor\w*|exclud\w*|not (log|record|audit|captur)\w*|stop (logging|recording|auditing)|miss\w*|"
    r"hid\w*|drop\w*|filter\w* out)\b.{0,40}(\bmy (own )?(actions|commands|calls|api calls|sessions?|changes|"
    r"activity|requests|logins?)|\b(that |which )?(i|i'?ll|i'?m) (make|run|do|type|send|making|running|doing))\b|"
    r"\b(silenc\w*|mut(e|ing)|disabl\w*|turn\w* off|stop\w*|paus\w*|exclud\w*)\b.{0,20}\b(cloud ?trail|audit\w*|"
    r"auditd|siem|falco|guardduty|edr|security logs?)\b.{0,30}\bfor (me|my (own )?(\w+ ){0,2}(user|account|role|"
    r"sessions?|ip|actions|commands))\b",
    # records of what the asker did destroyed or forged, tracks covered
    r"\b(delet\w*|wip\w*|clear\w*|remov\w*|eras\w*|purg\w*|edit\w*|destroy\w*|get rid of) (the |any |all )?(\w+ )?"
    r"(logs?|records?|history|entries|events|traces?|evidence) (that|which) (show|shows|prove|proves|record|records|"
    r"mention|reveal|contain)\w* (what |that )?(i|we) (\w+ ){0,2}(did|ran|spun|deleted|changed|accessed|logged|was|"
    r"were|made|created|used|took|copied|downloaded)\b|\b(destroy|delete|hide|wipe|get rid of) (the |any |all )?"
    r"evidence\b|\b(cover|clean( up)?|clear|wipe|erase|hide|remove|scrub|get rid of) (up )?(my|our|all|any) "
    r"(tracks|traces|footprints)\b",
    r"\b(edit\w*|modif\w*|alter\w*|doctor\w*|rewrit\w*|falsif\w*|forg(e|ing)|fake|fabricat\w*|backdat\w*) (the |my |"
    r"our |their |some |\w+ ){0,3}(audit ?logs?|audit trail|audit records?|cloud ?trail( logs?| events?)?|auth\.log)\b"
    r"(?! (config\w*|polic\w*|settings?|format|level|retention|rules?|backend|webhook|path|location|size))",
    # data smuggled out; a workload made invisible to the people who run the cluster
    r"\b(sneak\w*|smuggl\w*|siphon\w*) (\w+ ){0,6}(out|off|outside)\b",
    r"\b(make|keep) (a |an |the |my |this )?(pod|process|container|deployment|daemonset|job|user|account|"
    r"connection)s? (invisible|hidden|undetectable) (to|from) (kubectl|ps|top|htop|lsof|netstat|monitoring|security|"
    r"ops|admins?|everyone|other users|the (admins?|ops|security|soc|cluster admins?|platform team|process list))\b",
    # access kept after the asker leaves or is let go
    r"\b(access|a way (back )?in|backdoor|shell|login|foothold|root|persistence)\b.{0,40}\b(after|once|when|even if|"
    r"even after) (they (fire|let go|lay off|sack|offboard|terminate|remove|deprovision) (me|us)|(i|we)('m| am| are|"
    r"'re)? (leave|left|quit|resign\w*|(get |got )?(fired|let go|gone|laid off)|no longer work))\b",
    # the defenders' sensors kept quiet
    r"\b(without|keep\w* (\w+ ){1,3}from|avoid\w*|stop\w* (\w+ ){1,3}from|not|never) (trigger\w*|tripp?\w*|"
    r"set\w* off|alert\w*|alarm\w*|flag\w*) (the |their |an? |any |our |my )?(\w+ )?(ids|ips|edr|xdr|siem|soc|falco|"
    r"guardduty|waf|intrusion detection|security (team|alerts?|tools?|monitoring|scanners?)|antivirus|av)\b",
    # access bought from someone who had no right to sell it
    r"\b(sold|sells|selling) me (\w+ ){0,2}(creds|credentials|keys|tokens|passwords|logins|accounts|access)\b|"
    r"\b(bought|buy|buying|purchas\w*) (\w+ ){0,2}(stolen |leaked |dumped )?(creds|credentials|logins|accounts|"
    r"rdp|access to (a|an|their|some))\b",
)
# weak signals: harm needs two kinds, one of them hidden / not yours / to a personal destination
_STEALTH = any_of(
    r"\b(secretly|covertly|stealthily|undetected|unnoticed|on the sly|cover (my|our|the) tracks|"
    r"leave no (trace|traces|evidence)|behind (their|his|her|my boss'?s?|the admins?'?) backs?)\b",
    r"\bwithout (anyone|anybody|them|him|her|the \w+|my \w+|security|(the )?admins?) (noticing|knowing|finding out|"
    r"seeing)\b|\bwithout (\w+ ){1,3}(noticing|finding out|catching|realizing|suspecting|seeing|spotting|"
    r"detecting|flagging)\b|"
    r"\b(no ?one|nobody) (should|must|can|needs to|may) (ever )?(know|notice|find out|see|find)\b|"
    r"\b(from|without|avoid\w*|not|never) (getting |being )?(flagged|detected|caught|noticed|traced|spotted)\b|"
    r"\b(so|that) (no ?one|nobody|the \w+|they|it|he|she)( \w+){0,4} (can'?t|cannot|can not|won'?t|doesn'?t|don'?t|"
    r"never) (see|notice|trace|find|know|tell|detect|spot|catch|flag|ban|question|suspect)\w*|"
    # "... and nobody can tell which dataset produced it" is a team that lost track, not one that hides
    r"\b(so|that|and) (no ?one|nobody) (sees|notices|knows|finds|can tell|will know|questions|suspects)\b"
    r"(?! (which|what|whether|if|who|why|how|where|when|anymore|any ?more|for sure)\b)|"
    r"\b(no ?one|nobody) (will|would|is going to|gonna|'ll) (ever )?(notice|see|know|find out|spot|catch|suspect|"
    r"question|realize|check)\b|\bwhen (no ?one|nobody) (is|'s|are) (watching|looking|around|checking|online|awake)\b|"
    r"\bso (that )?(ops|security|secops|sre|soc|it|admins?|sysadmins?|devops|(the )?\w+ team|my (boss|manager|lead)) "
    r"(can'?t|cannot|won'?t|doesn'?t|don'?t|never) (see|notice|find|kill|remove|delete|block|stop|flag|catch)\w*|"
    r"\b(least|less|not|non|un)[- ]?suspicious(-looking)? (\w+ )?(names?|process\w*|file ?names?|paths?|binar(y|ies)|"
    r"images?|containers?|pods?|user ?names?|accounts?|domains?|traffic|ports?|commands?)\b|\binconspicuous\b|"
    r"\bblend in\b|\bso (that )?(my|our) (\w+ ){0,2}"
    r"(vanish|disappear|are gone|leave no trace|can'?t be (seen|traced|found))\b|\bpara que no (lo )?(vea|note|sepa|"
    r"se entere)\w*",
    # the act done quietly, dressed as something ordinary, or kept below the defenders' thresholds
    r"\b(quietly|silently|discreetly|sneakily|subtly) (\w+ ){0,2}(poison|tamper|flip|alter|corrupt|cop(y|ies)|"
    r"download|pull|grab|take|move|send|upload|exfil|"
    r"dump|export|run|install|mine|sync|add|plant|access|read|ship|push|forward|collect|siphon|mount)\w*|"
    r"\bname (it|them) (something )?(boring|innocent|harmless|normal|legit\w*|generic)|\b(boring|innocent|"
    r"harmless|legit(imate)?)[- ]looking\b|\bstealth(y|ier|ily)?\b|\bunder the radar\b|\b(stay|stays|staying|"
    r"keep\w*|kept) (\w+ ){0,2}(under|below) (the |any |their )?(\w+ ){0,2}(alert\w*|alarm|detection|monitoring)"
    r"( threshold)?\b|\bso (that )?(it|this|they) (looks?|seems?|appears?) like (someone|somebody|another|"
    r"a different|\w+ else|my (coworker|colleague|boss))\b|\bso (that )?(it|this|they|the \w+( \w+)?) (just )?"
    r"(looks?|seems?|appears?) (like )?(a |an )?(normal|regular|ordinary|legit\w*|innocent|harmless|nothing|"
    r"training|benign)\b|\bdisguis\w* (it |them |\w+ ){0,3}as\b|\b(not|never|don'?t|doesn'?t|without)( (it|them|me|"
    r"anything|my \w+))? (show(ing)? up|appear(ing)?|being (logged|recorded|listed))\b.{0,15}\b(kubectl top|top|"
    r"htop|ps|metrics|monitoring|dashboards?|grafana|process list|logs?)\b",
    r"\b(sin que (nadie|lo|la|los|me)? ?(note|detecte|descubra|sepa|vea)\w*|sin ser (detectad|descubiert|vist)\w*|"
    r"a escondidas|en secreto|sans (etre|que personne) \w*|sans qu'(il|elle|ils|elles|on) (ne )?(le |la |les )?"
    r"(voie|voient|remarque\w*|sache\w*|s'en rende)|sans declencher|discretement|en cachette|unbemerkt|"
    r"unentdeckt|heimlich|ohne entdeckt|damit niemand|sem ser (detectad|descobert|vist)\w*|sem que ninguem|"
    r"as escondidas|secretamente|senza essere (scopert|rilevat|vist|notat)\w*|di nascosto|senza che nessuno)\b|"
    r"\b((borrar|eliminar) (mis |las )?huellas|(effacer|supprimer) (mes |les )?traces|spuren (verwischen|"
    r"beseitigen|loschen)|(apagar|limpar) (meus |os )?rastros|(cancellare|eliminare) (le )?tracce|"
    r"sin dejar (rastro|huella)|sans laisser de traces?|ohne spuren|sem deixar (rastro|vestigios)|"
    r"senza lasciare tracce|pour que (personne|mes actions|ca) ne|ne (soient|soit|sera|seront) pas (trac|vu|"
    r"detect|remarqu)\w*|hide (my|our) (ip|identity|tracks|origin|location))\b|"
    r"незаметно|таино|скрытно|не оставляя следов|замести следы|(清除|抹去|删除)痕迹|не будучи обнаруж|чтобы (никто|"
    r"\w+) не (увид|замет|узна)|不留痕迹|偷偷|悄悄|秘密地|不被发现|不被察觉|神不知鬼不觉",
)
_UNAUTH = any_of(
    r"\b(someone|somebody) else'?s?\b|\bother (people|users|customers|tenants|clients|labs?|orgs?|"
    r"organi[sz]ations|compan(y|ies))'?s?\b|\banother (person|user|company|tenant|customer|client)'?s?\b|"
    r"\b(aren'?t|are not|isn'?t|is not|not) (mine|ours)\b|"
    r"\b(tokens?|passwords?|keys?|creds|credentials|kubeconfigs?|accounts?|sessions?|logins?) of (a|an|my|another|"
    r"some) (old |former )?(colleague|coworker|teammate|friend|user|employee|ex\w*|stranger|boss|manager)\b|"
    r"\b(i|we) (don'?t|do not|didn'?t|did not) (own|have (any )?(access|permission|authori[sz]ation|approval|"
    r"rights?))\b|\b(under|as) my (own )?name\b|\bpass (it|them) off as (mine|my own)\b|\b(they|the \w+( team)?|"
    r"my (boss|manager|lead)|security|ops|admins?) (said|says|told me) no\b(?=\s*([,.;!?]|$|and\b|but\b|so\b))|"
    r"\b(denied|rejected|refused) my "
    r"(request|ticket|access)\b|\b(e-?mails?|messages|dms|chats|calls|texts) (that )?(the|my|our|his|her) (\w+ ){0,2}"
    r"(gets|receives|sends|writes)\b|\b(the )?(ceo|cfo|cto|coo|hr|boss|manager)'?s (e-?mails?|inbox|messages|dms|"
    r"chats|calendar|account)\b|"
    r"\bwithout (permission|authori[sz]ation|approval|consent|asking|telling (anyone|anybody|them|\w+)|their "
    r"(permission|consent|knowledge))\b|\b(against|violat\w*|breaking) (their|the|its) (tos|terms( of (service|use))?|"
    r"(usage |acceptable use )?polic(y|ies))\b|\b(impersonat\w*|(log|logged|logging|sign|"
    r"signed) ?in(to)?( \w+){0,4} as|pose as|"
    r"pretend\w* to be) (him|her|them|someone|somebody|another (user|person|employee)|other users|my (old |former )?"
    r"(boss|manager|coworker|colleague|friend|ex|teacher|professor|teammate)|the (ceo|cfo|victim|owner|admin of))\b|"
    r"\b(on|into|against|at) "
    r"(my|the|a|our) targets?\b(?! (variable|column|label|value|group|port|namespace|platform|arch\w*|dir\w*|folder|"
    r"file|branch|url|metric|distribution|encoding|device|type|size|class))|"
    r"(?<!401 )(?<!401: )\bunauthori[sz]ed\b(?! (error|response|status|exception|code|from)s?\b)|"
    r"\b(i'?m|i am|im|we'?re|we are) not (supposed|allowed|authori[sz]ed|permitted) to\b|"
    r"\b(shouldn'?t|should not|(am|'m|are|'re) not supposed to) (be (on|in|into|logged)|have|access)\b|"
    r"\bnot (a|an|for a|for an?|for) (ctf|lab|exercise|drill|pentest|pen test|sandbox|homework)\b|"
    r"\b(former|ex-?) ?(employee|colleague|coworker|contractor|teammate|intern)'s\b|\b(never|wasn'?t|was not|"
    r"hasn'?t been) (revoked|rotated|disabled|deactivated|removed)\b|\b(company|startup|firm|place|employer) (i|we) "
    r"(interviewed|applied|used to work|no longer work|got fired|was fired|left)\b|\bbeyond (what (\w+ ){0,3}"
    r"(gives|grants|allows|lets) (me|us)|(my|our) (permissions?|role|access|privileges?))\b|"
    r"\b(blocks?|bans?|locks?|restricts?) (me|us|juniors|interns|contractors|employees|devs|developers|everyone)"
    r"( out)? (from|of)\b.{0,60}\banyway\b|"
    r"\b(a|some|another|other|random) (\w+ )?(company|organi[sz]ation|business|target|website|site|school|"
    r"government|startup|firm|bank|hospital|shop|store|retailer|agency|university|game|platform|isp|provider)'s\b|"
    r"\b(roommate|flatmate|coworker|colleague|neighbou?r|ex|boss|teacher|sister|brother|girlfriend|boyfriend|"
    r"wife|husband|partner|client|customer|friend|manager|stranger|landlord|professor|dad|mom|mum|\w+mate)'s\b|"
    r"\b(our|my) (old|former|previous) (client|employer|job|company)\b|"
    r"\bmy (old |former |previous )?(ex|ex-\w+|neighbou?r|roommate|coworker|colleague|boss|teacher|school|"
    r"university|former employer|old employer|competitor|rival)('s\b|s?\b(?! (can|could|does|did|is|was|has|had|gets|"
    r"got|sees|saw|says|said|uses|used|runs|ran|wants|wanted|asked|needs|told|keeps?|kept|tells|mentioned|mentions|"
    r"suggest(s|ed)|recommend(s|ed)|insist(s|ed)|thinks|thought|show(s|ed)|explain(s|ed)|help(s|ed)|taught|"
    r"teaches|prefers|knows|knew|set up|sets up)\b))|"
    r"\b(a|the|our) (competitor|rival|victim)'?s?\b|"
    r"\btheir (own |private |internal )?(servers?|accounts?|clusters?|databases?|networks?|machines?|data|sites?|"
    r"websites?|apis?|orgs?|organi[sz]ations?|"
    r"namespaces?|pods?|nodes?|registr(y|ies)|buckets?|ids|firewalls?|models?|classifiers?|repos?|kubeconfigs?|"
    r"secrets|infra\w*|systems?|vpcs?|(\w+ )?(keys?|tokens?|credentials|creds|passwords?|logins?))\b",
    r"\b(de otra (persona|empresa)|ajen[oa]s?|sin permiso|de otro equipo|d'autrui|d'une autre (entreprise|personne)|"
    r"sans (autorisation|permission)|fremde\w*|eines anderen|ohne (erlaubnis|genehmigung|berechtigung)|"
    r"de outra (empresa|pessoa|equipe)|alheio|sem (permissao|autorizacao)|di un altro|altrui|di altri|"
    r"senza (permesso|autorizzazione)|(de|d'|del|da|do|di|della|dello) (mon|ma|mes|mi|mis|meu|minha|mio|mia) (ex-?)?"
    r"(collegue|colega|collega|ex|voisin\w*|vecin\w*|vizinh\w*|vicin\w*|patron|jefe|chefe|capo|colocataire|"
    r"companer\w*|copine|copain|novi[ao]|namorad[ao]|antiguo empleo|ancien employeur|antigo emprego|"
    r"vecchio lavoro)|meine\w* (kolleg\w*|ex|nachbar\w*|chef\w*|freundin|freund)|(otra|une autre|outra|altra|"
    r"un'altra) (empresa|entreprise|azienda)|eines anderen unternehmens)\b|(бывш|коллег|сосед|начальник)\w*|"
    r"друг\w* компани\w*|чуж\w+|без (разрешения|спроса|ведома)|"
    r"同事的|前女友|前男友|邻居的|老板的|别的公司|别人的|他人的|其他公司的|未经授权|未经允许",
)
_PRIVATE = (r"\b(to|into|onto) (my|a) (personal|private|own|home)\b|\b(on|in) (my|a) (personal|private|home)\b|"
            r"\b(to|into|onto|via|through|up to|on ?to) (a |an |the |my |some )?(pastebin|(personal|private) "
            r"(email|drive|account|bucket|server|dropbox|gmail|google drive|laptop|machine|box|repo)|usb (stick|"
            r"drive|key)|"
            r"thumb drive|external (drive|disk)|(github )?gists?|gmail|dropbox)\b|\bto my (own |personal )?(github|"
            r"gitlab|gmail|dropbox|google drive|icloud|onedrive)\b")
_PERSONAL_DEST = re.compile(_PRIVATE + r"|\b(to|into|onto) (my|a) (personal|private|own|home)\b|\b(a|en) mi (correo|"
                                       r"cuenta|"
                            r"disco|drive|pc|portatil|usb|servidor) (personal|privad[oa])\b|\b(vers|sur) (mon|ma) "
                            r"(compte|boite|disque|serveur) (personnel|perso)\w*|\b(auf|in|an) (mein|meine)\w* "
                            r"(privat|personlich)\w*|\b(para|no) (o )?meu (e-?mail|drive|servidor) pessoal\b|"
                            r"\b(sul|nel|al) mio (account|drive|server|pc) personale\b|на (мо[ию]|свою|свои) "
                            r"(личн|домашн)\w*|到我(自己)?的(个人|私人)|\bto my (laptop|gmail|dropbox|"
                            r"drive|usb|phone|server|bucket|home \w+)\b|\b(to|into|onto|via|through|up to|"
                            r"on ?to) (a |an |the |my |some )?"
                            r"(pastebin|personal (email|drive|account|bucket|server|dropbox|gmail)|usb (stick|drive|"
                            r"key)|thumb drive|external (drive|disk)|(github )?gists?)\b|u盘")
# --- harm in ops vocabulary: what is done to images, pods, pipelines, models and logs -----------------------
_OPS_ASSET = (r"\b((model|llm) weights|weights|checkpoints?|fine-?tunes|the (\w+ )?fine-?tune|(private|internal) "
              r"(repos?|repositories|code ?base)|(training|fine-?tuning|eval) (data|sets?|datasets?)|"
              r"data ?sets?|source code|(customer|client|user|patient) (records|list)|(hr|payroll|finance|billing|prod|"
              r"production) (\w+ )?(db|database|data|records|tables?|postgres\w*|mysql|mongo\w*|redis|dump)s?|"
              r"kubeconfigs?|/etc/shadow|shadow file)\b")
_OPS_WEAK = {
    "work_asset": re.compile(_OPS_ASSET), "private": re.compile(_PRIVATE),
    "data": re.compile(r"\b(data|files|everything|the lot)\b"),
    "departure": re.compile(r"\b(before|after|when|once) (i|we)('m| am)? (quit|leave|left|resign\w*|get fired|"
                            r"am fired|'m fired|'m leaving|am leaving|go)\b|\b(i'?m|im|i am) (leaving|quitting|"
                            r"being (fired|laid off|let go))\b|\bmy last (day|week)\b|\bon my way out\b|\b(before|"
                            r"when|once) my (contract|notice period|job|internship) (ends|is up|runs out|finishes)\b"),
    "taking": re.compile(r"\b(cop(y|ies|ying)|download\w*|pull\w*|export\w*|tak(e|ing)|grab\w*|send\w*|upload\w*|"
                         r"sync\w*|forward\w*|keep|save|mov(e|ing)|transfer\w*|clone|dump\w*)\b"),
    # acts: harm once hidden or aimed at what is not the asker's
    "tamper": re.compile(r"\b(poison(s|ing)?|tamper(s|ing)? with|corrupt(s|ing)?|sabotag(e|es|ing)|backdoor(s|ing)?)\b"
                         rf"{_S}{{0,40}}?\b(training|data|data ?sets?|(eval\w*|test|validation|holdout) (sets?|data|"
                         rf"splits?)|"
                         r"benchmarks?|leaderboards?|experiment results|"
                         r"labels?|models?|model files?|weights|checkpoints?|classifiers?|embeddings|vector (store|db|"
                         r"index)|rag|fine-?tun\w*|feature store|registry)\b|\b(slip|sneak|inject|insert|add|plant|"
                         r"smuggle|feed|submit|upload)\w* (in |into )?(\w+ ){0,2}(bad|wrong|fake|false|malicious|"
                         r"poisoned|"
                         r"mislabel\w*|flipped|adversarial|crafted|rigged|garbage|junk) (labels?|data|samples|examples|"
                         r"rows|records|images|documents|docs|embeddings|entries)\b"),
    "escape": re.compile(r"\b(escap\w*|break(ing)? out|breakout)( of| from)? (the |a |an |my |this |our |their |that )?"
                         r"(\w+ ){0,2}(containers?|pods?|sandbox\w*|vms?|jails?|chroot|jupyter\w*|notebooks?)\b|"
                         r"\b(container|pod|sandbox|vm|docker|kubernetes|k8s) (escape|breakout)s?\b|\b(escap\w*|"
                         r"break(ing)? out) (\w+ ){0,3}to (the |its |their )?(host|node|hypervisor)\b|"
                         r"\bget (me |us )?(onto|into|to) the (host|node)\b"),
    "escalation": re.compile(r"\b(escalat\w* (my |our |the |\w+ )?privileges?|privilege escalation|privesc|priv esc|"
                             r"take over (the |a |an |their |that )?(node|host|cluster|account|server|machine|box)s?|"
                             r"(get|gain|grant) (myself )?(root|admin|cluster-?admin|sudo|owner)( access| rights|"
                             r" role)?|"
                             r"become (root|admin|cluster-?admin)|elevat\w* (my )?(privileges?|permissions?|access|"
                             r"role))\b"),
    "circumvent": re.compile(r"\b(disabl\w*|turn\w* off|remov\w*|reset\w*) (\w+ ){0,3}(mfa|2fa|two[- ]factor|pod "
                             r"security( admission)?|admission (controllers?|webhooks?)|opa|gatekeeper|kyverno|dlp|"
                             r"branch protection|required reviews?)\b|\bwithout (the |a |any )?(required |mandatory )?"
                             r"(code )?(reviews?|approvals?|sign-?offs?)\b|\btunnel\w* (out|through|past|around)\b|"
                             r"\b(bypass\w*|circumvent\w*|get(ting)? around|work(ing)? around|sidestep\w*|defeat\w*|"
                             r"(slip|sneak|get)\w* (\w+ ){0,3}(past|around)|beat\w*|outsmart\w*|"
                             rf"get(ting)? past|evad\w*|dodg\w*|break\w* through)\b{_S}{{0,25}}?\b(rbac|iam|sso|mfa|"
                             rf"2fa|"
                             r"two[- ]factor|vpn|network polic\w*|firewalls?|security groups?|access controls?|"
                             r"permissions?|rate[- ]?limit\w*|waf|ids|dlp|captchas?|paywalls?|licen[cs]e (checks?|"
                             r"keys?)|geo[- ]?block\w*|allowlists?|whitelists?|admission (controllers?|webhooks?)|opa|"
                             r"gatekeeper|kyverno|pod security|seccomp|apparmor|selinux|approvals?|code review|"
                             r"branch protection|bans?)\b"),
    "dos": re.compile(r"\b(ddos\w*|dos(ing)? attacks?|denial[- ]of[- ]service|(syn|udp|http|icmp|ping|request) "
                      r"floods?|flood\w* ([\w']+ ){0,6}(with|using) (\w+ ){0,3}(packets|requests|traffic|pings|"
                      r"connections|"
                      r"messages|tickets|e-?mails|mails|sms|texts|calls|sign-?ups|accounts|spam|junk)|(take|takes|"
                      r"taking|knock\w*|bring\w*|shut\w*|tip\w*) ([\w']+ ){0,5}(down|offline|over)|(until|till) "
                      r"(it|they|the \w+) (crash\w*|goes down|go down|dies|die|falls? over|breaks?)|overwhelm\w*|"
                      r"hammer\w*|overload\w*|slow\w* (\w+ ){0,3}down|saturat\w* ([\w']+ ){0,3}(uplink|link|"
                      r"bandwidth|pipe|connection|network)|crash\w* (my |a |an |the |their |his |her )?[\w-]+'s)\b"),
    "technique": re.compile(r"\b(sql ?injection|sqli|xss|cross[- ]site scripting|payloads?|exploits|exploit (code|"
                            r"kits?|chains?)|0-?days?|zero[- ]days?|shellcode|port ?scan\w*|nmap|masscan|"
                            r"prompt injection)\b"),
    "encrypt": re.compile(r"\bencrypt\w* ([\w']+ ){0,3}(everything|all|every|files|(the |their |our )?(\w+ )?(nas|"
                          r"disks?|drives?|shares?|servers?|volumes?|backups?|buckets?|databases?))\b"),
    # intent and target cues
    "extortion": re.compile(r"\b(ransoms?|ransom (note|demand|payment)s?|extort\w*|blackmail\w*|(asking|ask|demand\w*) "
                            r"for (bitcoin|btc|crypto|monero|money|payment|a ransom)|(if|unless|until) (they|he|she|"
                            r"them|the \w+|my \w+) (don'?t |do not |doesn'?t |does not )?(pay|pays|paid)|pay up|(pay|"
                            r"payment|bitcoin|btc|money|"
                            r"ransom|cash|crypto) (\w+ ){0,2}to (unlock|decrypt|restore|release|get (it|them|"
                            r"their \w+) back)|hold\w* (\w+ ){0,3}hostage)\b"),
    "malice": re.compile(r"\bso (that )?(their|his|her|its|it|the|models?|everyone|users|people|any(one|body)|other)"
                         r"( [\w']+){0,5} (underperform\w*|scores? (lower|worse|drops?|falls?|go(es)? down)|"
                         r"looks? (bad|worse|dumb))|"
                         r"\bso (that )?(their|his|her|its|it|the|models?|everyone|users|people|any(one|body)|"
                         r"other)( \w+){0,5} "
                         r"((get|gets|become|becomes) (worse|dumber|useless|broken|unusable)|misbehav\w*|(tells?|"
                         r"gives?|says?|serves?|"
                         r"returns?|shows?|outputs?|recommends?|answers?) (\w+ ){0,3}(wrong|false|fake|bad|misleading|"
                         r"incorrect|harmful|dangerous)|"
                         r"misclassif\w*|degrad\w*|learns? (a |the )?(hidden|secret|backdoor|bad) \w+|leaks? \w+)|"
                         r"\b(hidden|secret) (trigger|behaviou?r)s?\b|\bso (that )?it looks like (someone|somebody|"
                         r"\w+ else|another|a (bug|glitch|accident|mistake))|"
                         # the outage is the aim ("hammer it so it falls over during their launch")
                         r"\bso (that )?(it|they|the \w+|their \w+) (crash\w*|goes? down|falls? over|dies|die|breaks?|"
                         r"stops? (working|responding)|can'?t (serve|answer|respond))"),
    "public": re.compile(r"\b(open[- ]source|public|popular|shared|community|upstream|third[- ]party|widely used) "
                         r"(\w+ ){0,2}(datasets?|data ?sets?|models?|packages?|librar(y|ies)|images?|repos?\w*|corpus|"
                         r"benchmarks?)\b|\b(on|to|in) (hugging ?face|the hub|docker ?hub|pypi|npm)\b|\b(everyone|"
                         r"anyone|people) (who|that) (pulls?|uses?|installs?|downloads?)|\bmodels trained on it\b"),
    # rights that are limited on purpose ("my role is read only"), exceeded by an escalation or a bypass
    "limited": re.compile(r"\b(i'?m|im|i am|we'?re|we are) (only|just) (a |an )?(normal|regular|standard|"
                          r"unprivileged|non-?admin|basic|plain) (users?|accounts?|devs?|developers?)\b|"
                          r"\b(i|we) (only|just) have (\w+ ){0,2}(access|permissions?|rights|role)|\b(only|just) "
                          r"(gave|give|gives|granted|grants|allowed|allows) (me|us)\b|\b(my|our) (role|"
                          r"access|account|user|permissions?) (is|are) (only |just )?(read[- ]?only|viewer|limited|"
                          r"restricted)|\b(read[- ]?only|viewer|limited|namespace[- ]scoped) (role|access|user|"
                          r"account)\b"),
    # secrets sent out of a hook, step or package that others install or run
    "leak": re.compile(r"\b(send|ship|post|upload|forward|leak|beacon|exfil|e-?mail|mail|dm|message|text)\w* (me|"
                       r"myself) "
                       r"(\w+ ){0,3}(env( vars| variables)?|environment( variables)?|secrets|tokens?|credentials|creds|"
                       r"(ssh |api |aws )?keys|kubeconfigs?)\b|"
                       r"\b(send|ship|post|upload|forward|leak|beacon|exfil)\w* (\w+ ){0,3}(env( vars| variables)?|"
                       r"environment( variables)?|secrets|tokens?|credentials|creds|(ssh |api |aws )?keys|"
                       r"kubeconfigs?)\b"
                       r"( \w+){0,3} (to|into) (me|my|an? (external|remote|outside)|a (server|webhook|url|endpoint))\b|"
                       r"\b(curl|wget|post|send|call|ping)\w* (to )?(my|an? (external|remote)) (\w+ )?(server|box|"
                       r"endpoint|webhook|url|host|machine|vps) (with|containing) (the |all |our )?(\w+ )?(secrets|env|"
                       r"environment|tokens?|credentials|creds|keys)\b"),
    "supply": re.compile(r"\b((post|pre)-?install|install|build) (hooks?|scripts?)|setup\.py|(npm|pypi|pip|python|node|"
                         r"ruby|go) (package|module|library)|github actions?|ci (steps?|jobs?)|(deploy|ci|build|"
                         r"release) pipelines?|base images?|docker ?files?|build (steps?|stages?)\b"),
    "my_endpoint": re.compile(r"\b(discord|telegram|slack) webhook|\b(webhook|server|endpoint|url|bucket|vps|domain|"
                              r"host|box)s? (that |which )?i (control|own)\b|\b(ngrok|requestbin|webhook\.site|"
                              r"interactsh|burp collaborator)\b"),
    "perimeter": re.compile(r"\b(out of|off|outside) (the|my) (company|employer|office|work|client)('s)?\b|"
                            r"\bout (through|via|over) (slack|e-?mail|dns|icmp|teams|discord|telegram|a gist|"
                            r"pastebin)\b"),
    # no account of one's own on the machines wanted ("get onto the lab boxes without an account"): guessing or a
    # technique is then someone else's door, while running or pulling something without an account is ordinary
    "no_account": re.compile(r"\b(get|getting|log|logging|sign|signing|break|breaking|ssh|jump)\w* (in|into|onto|on to|"
                             r"on) (\w+ ){0,5}without (an? |any |my own |having an? )?(account|login|credentials|"
                             r"access|password)s?\b"),
    # a grudge against a service that banned the asker: a reason to attack it, never a licence to access it
    "grudge": re.compile(r"\b(i|we) (got|was|were|have been|'ve been|am|'m) (ip-?)?(banned|blocked|kicked)( \w+)? "
                         r"(from|by|out of|off)\b|\bafter (they|it|the \w+) (banned|blocked|kicked) (me|us)\b"),
    # someone else's credentials named by pronoun: using them to log in is not the asker's to do
    "others_creds": re.compile(r"\b(his|her) (\w+ )?(tokens?|passwords?|creds|credentials|keys?|kubeconfig|"
                               r"sessions?|cookies?|logins?)\b"),
    # a colleague's team is someone you work with: reaching its service is ordinary, taking its secrets is not
    "peer": re.compile(r"\b(another|other|a different) (teams?|departments?|groups?|squads?|projects?|labs?|"
                       r"orgs?|organi[sz]ations?)'?s?\b|"
                       r"\bthe \w+ team's\b|\bbelong\w* to (another|a different|other) (team|group|department)\b"),
    # a site or platform run by someone else, whose anti-abuse controls are theirs
    "external": re.compile(r"\bon (a|an|the|their|some) (\w+ )?(site|website|shop|store|platform|marketplace|"
                           r"service)\b"),
    "workplace": re.compile(r"\b(at|from) work\b|\b(my|our) (work|job|employer|company|corp\w*|school|uni\w*|office|"
                            r"workplace)('s)?\b|\bthe (company|corporate|office|school)('s)?\b|\b(company|work) "
                            r"(network|vpn|laptop|firewall|computer|pc|account)s?\b"),
}
# "let users export their data": "their" is the people the asker serves
_AUDIENCE = re.compile(r"\b(users?|customers?|clients?|employees?|people|members?|tenants?|teams?|students?|devs?|"
                       r"developers?|engineers?|colleagues?|coworkers?|admins?|readers?|visitors?|recipients?|"
                       r"subscribers?|viewers?|followers?)\b[^.?!]{0,60}$")
_WEAK = {
    "stealth": _STEALTH, "unauth": _UNAUTH, "destination": _PERSONAL_DEST,
    "tool": re.compile(_TOOL), "asset": re.compile(_ASSET),
    "guessing": re.compile(r"\b(brute[- ]?forc\w*|dictionary attack|(tries|try|trying|test\w*|guess\w*|cycl\w* "
                           r"through|loop\w* through)\b.{0,30}\b(list of|common|wordlist|every|many)\b.{0,20}"
                           r"\bpasswords?)\b"),
    "controls": re.compile(r"\b(disabl\w*|turn(ing)? off|delet\w*|wip\w*|clear\w*|eras\w*|tamper\w*|edit\w*|"
                           r"modif\w*|alter\w*|rewrit\w*|doctor\w*|falsif\w*|forg(e|ing))\b.{0,30}"
                           r"\b(logs?|logging|auditing|history|monitoring|alerts?|antivirus|selinux|apparmor|"
                           r"firewall)\b|"
                           r"\b(disabl\w*|delet\w*|wip\w*|clear\w*|eras\w*|edit\w*|rewrit\w*)\b.{0,30}(bash|zsh|\.)_?"
                           r"history\b|\b(borr|elimin|limpi|effac|supprim|losch|apag|cancell|desactiv|desativ)\w* "
                           r"(\w+ ){0,3}(historial|historique|verlauf|historico|cronologia|registros?|journaux|"
                           r"logs?)\b|\b(stop|prevent|keep)\w* (\w+ ){1,4}from (recording|logging|auditing|tracking|"
                           r"capturing)\b"),
    "access": re.compile(r"\b((get|gain|pop|open) (a )?(shell|root|foothold)|get into|get in|access\w*|log ?in|"
                         r"sign ?in|ssh into|use them|use it|spin up|scan\w*|read\w*|saco|sacar|extraer|"
                         r"copy|copies|upload\w*|send\w*|exfil\w*|dump\w*|export\w*|run\w*|acceder|acessar|"
                         r"(use|using|keep using) (it|them|that|those|this)|pull\w*|download\w*|grab\w*|"
                         r"fetch\w*|clone|reach\w*|list\w*|keep using|still us(e|ing)|continu\w* (to use|using)|"
                         r"(jump|hop|exec|break|get)\w* into|(?<!-)(?<!fast )(?<!port )forward\w*|leak\w*|"
                         r"(do|get) with (it|them)|entrar|usar|"
                         r"utiliser|benutzen|nutzen|usare|accedere|выгруз\w*|скопир\w*|运行)\b"),
}
_WEAK.update(_OPS_WEAK)
# Two weak signals make harm only in these pairs: what is done (an act, a tool, an asset taken) and a circumstance
# that makes it harm (hidden, not the asker's, aimed at others, meant to hurt, against a limit set on purpose).
_ACTS = {"tamper", "escape", "escalation", "circumvent", "dos", "technique", "encrypt", "leak"}
_PAIRS = {
    "unauth": {"access", "asset", "work_asset", "tool", "guessing", "controls", "stealth"} | _ACTS,
    "peer": {"asset", "tool", "guessing", "controls", "stealth"} | _ACTS,
    "stealth": {"asset", "work_asset", "tool", "controls", "guessing", "data"} | _ACTS,
    "destination": {"asset"}, "private": {"work_asset"}, "perimeter": {"asset", "work_asset"},
    "others_creds": {"access"}, "escape": {"asset"}, "supply": {"leak"},
    "malice": {"tamper", "controls", "dos"},
    "extortion": {"encrypt", "tamper", "tool", "dos", "controls", "asset", "work_asset"},
    "public": {"tamper"}, "workplace": {"circumvent", "tamper"}, "limited": {"escalation", "circumvent"},
    "grudge": {"dos", "circumvent", "technique"}, "external": {"circumvent", "dos", "technique"},
    "no_account": {"guessing", "technique", "tool", "escalation"},
}
# "before I quit" is harm only when something is taken; a build step with secrets only when it calls the asker
_TRIPLES = [{"departure", "asset", "taking"}, {"departure", "work_asset", "taking"}, {"departure", "leak"},
            {"supply", "my_endpoint", "asset"}]
# circumstances describe the situation, so no defensive verb can govern them ("the DLP agent on my work laptop")
_CIRCUMSTANCES = {"workplace", "limited", "external", "public", "departure", "grudge"}

def _defended(v: str, start: int) -> bool:
    """A defensive verb governs the offensive words (same clause, just before them)."""
    if _PROTECTS.match(v, start):
        return True
    window = re.split(r"[,.;:!?]| and | then | but ", v[max(0, start - 40):start])[-1]
    window = _STEALTH.sub(" ", window)  # "so nobody will notice" hides; it does not defend
    return bool(_DEFENSIVE.search(window) or _AVOIDED.search(window) or _VICTIM.search(window))


# "my friend's laptop can run it but mine can't": someone else's setup is what the learner compares their own with
_MINE_TOO = re.compile(r".{0,80}?\b(but|so|and|while|whereas) (mine|not (on |for )?(me|mine))\b")


_PEOPLE_I_WORK_WITH = re.compile(r"\b(coworkers?|colleagues?|teammates?|team ?mates?|friends?)\b")
# what is done serves them: they do not have to do something, or can now do it
_FOR_THEM = re.compile(r"\bwithout (them|him|her|each of them|everyone) (having|needing) to\b|"
                       r"\bso (that )?(they|he|she|everyone) (can|could)(?!'?t|not| not)\b|"
                       r"\bso (that )?(they|he|she|everyone) (do not|don'?t) "
                       r"(have|need) to\b")


# the asker's own service is on the receiving end ("one customer's script is hitting my endpoint thousands of times
# a minute"), and what they ask is how to limit it
_TARGETED = re.compile(r"\b(is|are|keeps?|kept|started|been) (\w+ )?(hitting|hammering|flooding|spamming|scraping|"
                       r"abusing|overloading|overwhelming|bombarding|calling|ddos\w*) (my|our)\b")
_LIMITS_THEM = re.compile(r"\b(cap|limit|throttl\w*|rate[- ]?limit\w*|slow (\w+ )?down|block|ban|stop)\b (\w+ ){0,4}"
                          r"(clients?|callers?|requests?|calls?|users?|customers?|consumers?|ips?|scripts?|bots?|them|"
                          r"it|him|her|me)\b")


def _counts(v: str, kind: str, m: re.Match[str]) -> bool:
    """A weak match that is not governed by a defensive verb; "their data" after "let users" is theirs to have."""
    if kind not in _CIRCUMSTANCES and _defended(v, m.start()):
        return False
    if kind in ("dos", "unauth") and _TARGETED.search(v) and _LIMITS_THEM.search(v):
        return False  # what someone does to the asker's service, and the asker asks how to limit it
    if kind == "unauth" and _MINE_TOO.match(v, m.end()):
        return False
    if kind == "unauth" and _PEOPLE_I_WORK_WITH.search(m.group(0)) and _FOR_THEM.search(v):
        return False  # "…runs the same on my coworkers' macs without them having to install anything": for them
    if kind in ("asset", "work_asset") and re.search(r"\bmy (own )?$", v[max(0, m.start() - 8):m.start()]):
        return False
    return not (kind == "unauth" and m.group(0).startswith("their") and _AUDIENCE.search(v[:m.start()]))


_HOUSEKEEPING = re.compile(r"\b(older than|after \d+ days|retention|rotat\w*|archiv\w*|free (up )?(disk|space)|"
                           r"disk (is )?full|noisy|noise|false positives?|health ?checks?|(readiness|liveness) "
                           r"probes?|alert fatigue|too many alerts|costs?|expensive)\b")


# credentials the asker came across (in a public repo, a paste, a post), put to use: they are someone else's
_FOUND_CREDS = re.compile(
    r"\b(found|find|finding|came across|come across|stumbled (on|upon|across)|spotted|scraped|harvested|leaked|"
    r"exposed|posted|published)\b.{0,60}?\b(api keys?|keys?|tokens?|creds|credentials|passwords?|kubeconfigs?|"
    r"secrets?)\b.{0,80}?\b(use|using|try|trying|log ?in with|sign ?in with|call (\w+ ){0,3}with|burn|spend)\b "
    r"(it|them|that|those|this|these|the (\w+ )?(keys?|tokens?|creds|credentials|passwords?|kubeconfigs?))\b")
_OURS = re.compile(r"\b(my|our|ours|mine|we|us|belongs? to (me|us))\b")
# the fix the asker wants is to tell someone ("how do I report it"), not to use what they found
_DISCLOSE = re.compile(r"\b(report\w*|notify\w*|tell (the |them|who|someone)\w*|warn\w*|disclos\w*|"
                       r"let (\w+ ){0,3}know|contact\w* (the )?(owner|author|maintainer|company|them))\b")
# a limit or bot protection someone else set, evaded by deception (new identities, fake clients, spent captchas)
_LIMIT_EVASION = any_of(
    r"\b(rotat\w*|cycl\w*|switch\w*|spoof\w*|fak\w*|randomi[sz]\w*|chang\w*) (\w+ ){0,3}(ips?|ip address\w*|"
    r"prox(y|ies)|user[- ]?agents?|fingerprints?)\b",
    r"\b(lots of|many|multiple|hundreds of|a bunch of|several|dozens of|\d+) (new |free |fake |throwaway |burner )+"
    r"(accounts|api keys|keys|e-?mails)\b",
    r"\b(bypass\w*|get(ting)? (around|past)|circumvent\w*|evad\w*|defeat\w*|solv\w*|break\w*) (\w+ ){0,3}"
    r"(captchas?|bot (protection|detection|management)|cloudflare|anti-?bot\w*|ip bans?)\b")
_SOMEONE_ELSES_LIMIT = re.compile(r"\b(rate[- ]?limit\w*|throttl\w*|429|too many requests|bann?\w*|block\w*|"
                                  r"captchas?|cloudflare|bot|quotas?|free tier|scrap\w*|competitor\w*)\b")
_OUR_LIMIT = re.compile(r"\b(our|my( own)?) (\w+ ){0,2}(api|apis|limits?|rate limit\w*|site|website|service|server|"
                        r"endpoint|load tests?|gateway|proxy|app)\b|\b(rate[- ]?limit|block|ban|stop|detect|throttle|"
                        r"catch|handle) (\w+ ){0,3}(clients?|users?|bots?|scrapers?|crawlers?|ips?|traffic)\b")


def _misused_found_credentials(v: str) -> bool:
    m = _FOUND_CREDS.search(v)
    return bool(m and not _OURS.search(m.group(0)) and not _DEFENSIVE.search(v[m.end():]))


def _limit_evaded(v: str) -> bool:
    m = _LIMIT_EVASION.search(v)
    return bool(m and _SOMEONE_ELSES_LIMIT.search(v) and not _OUR_LIMIT.search(v) and not _defended(v, m.start()))


def _harm_rule(v: str) -> bool:
    if _ATTACKER_QUESTION.search(v) and not _FIRST_PERSON_ASK.search(v) and _DEFENSIVE.search(v):
        return False  # how attackers work, asked in order to defend
    if _misused_found_credentials(v) or _limit_evaded(v):
        return True
    strong = [m for m in HARM_STRONG.finditer(v) if not _defended(v, m.start())]
    if any(not (_HOUSEKEEPING.search(v) and re.search(r"audit|log|trail|falco|guardduty|siem", m.group(0)))
           for m in strong):
        return True
    if not (_EXPLAIN.search(v) or _DEFENSIVE.search(v) or _VICTIM.search(v)) and _TOOL_STRONG.search(v):
        return True
    kinds = {k for k, rx in _WEAK.items() if any(_counts(v, k, m) for m in rx.finditer(v))}
    if _DISCLOSE.search(v) and not kinds & {"access", "stealth"}:
        return False  # someone else's key found and reported: the weak pair names the situation, not the ask
    return any(k in kinds and kinds & partners for k, partners in _PAIRS.items()) or \
        any(triple <= kinds for triple in _TRIPLES)


def harmful(question: str) -> bool:
    """A request to attack, steal, hide from defenders or use what is not yours."""
    return judge(question, _harm_rule)
