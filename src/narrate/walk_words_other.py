"""The walk's words in Spanish, French, Italian, Portuguese and German (English, and what each key is for, in
narrate.walk_words). Every language has every key, with the same placeholders: the tests hold them to it."""

from __future__ import annotations

OTHER: dict[str, dict[str, str]] = {
    "es": {
        "page_title": "{title}: el paseo",
        "intro": "Un paseo de {n} paradas, {length}.", "intro_by": "Un paseo de {n} paradas, {length}, de {author}.",
        "intro_more": "La parte de la historia de cada parada suena al llegar a ella. Usa auriculares y mira por dónde "
                      "vas.",
        "start": "Empezar el paseo", "following": "Siguiendo dónde estás",
        "status_first": "Pulsa Empezar: la página seguirá dónde estás (el teléfono pregunta antes). Sin ello, "
                        "reproduce tú cada parada abajo.",
        "next_heading": "Próxima parada", "directions_group": "Indicaciones", "where": "¿Dónde está?",
        "directions": "Indicaciones", "beacon": "Baliza", "beacon_on": "Baliza activada",
        "beacon_help": "La baliza suena desde la dirección de la próxima parada, en tus auriculares: más aguda "
                       "delante, más grave detrás y más rápida cuando la tienes de frente. Calla mientras suena una "
                       "parada. Pulsa B, o el botón, para activarla o desactivarla.",
        "now_playing": "Ahora suena:", "nothing_yet": "nada todavía", "stops_group": "Paradas",
        "previous": "Parada anterior", "replay": "Repetir", "next": "Parada siguiente",
        "finish": "Dejar que una parada termine antes de que empiece la siguiente", "stops_heading": "Paradas",
        "play_stop": "Reproducir {n}. {place}", "not_heard": "aún sin escuchar", "heard": "escuchada",
        "playing": "sonando", "paused": "en pausa", "queued": "la siguiente, después de esta",
        "transcript": "Transcripción", "transcript_none": "Aquí aparece el texto de la parada que suena.",
        "map": "Mapa", "map_listed": "Las paradas se describen abajo con palabras.", "other_apps": "Para otras apps:",
        "gpx_for": "(Soundscape, apps de GPS)", "whole_episode": "el episodio completo", "and": "y",
        "colon": ": ", "away": "{d} al {dir}",
        "no_next": "Ninguna: esa era la última parada.", "arriving": "Llegando a {place}",
        "arriving_later": "Llegando a {place}: sonará cuando termine esta parada",
        "blocked": "El teléfono impidió que el sonido empezara solo: pulsa Reproducir en el reproductor o en la "
                   "parada.",
        "jumped": "Tu posición saltó {d}. Si no estás ahí, espera a la siguiente; las paradas ya escuchadas no "
                  "volverán a sonar.",
        "following_again": "Siguiendo de nuevo tu posición.",
        "following_within": "Siguiendo tu posición (con un margen de {m} m).",
        "other_way": "En {place}, pero llegando desde otro lado: sonará cuando vayas hacia el {dir}, o pulsa su "
                     "Reproducir.",
        "back_at": "Has vuelto a {place}, ya escuchada: pulsa Repetir o su Reproducir para oírla otra vez.",
        "rough": "Tu posición es imprecisa (con un margen de {m} m): las paradas esperan una mejor.",
        "denied": "La ubicación está desactivada o no permitida para esta página, así que el paseo no puede "
                  "seguirte. Reproduce cada parada con su botón, o con Siguiente y Anterior. Para que te siga, "
                  "permite la ubicación para esta página y pulsa Empezar otra vez.",
        "no_fix": "Aún no hay posición (puede tardar un minuto, al aire libre). Las paradas pueden reproducirse con "
                  "sus botones.",
        "no_position": "Ahora mismo no se encuentra la posición. Las paradas pueden reproducirse con sus botones.",
        "finding": "Buscando dónde estás...",
        "stalled": "Sin posición nueva desde hace {s} s: puede que se haya perdido la señal. Las paradas pueden "
                   "reproducirse con sus botones.",
        "last": "Esa era la última parada.",
        "not_known": "Parada {n}, {place}: aún no se sabe dónde estás; pulsa Empezar.",
        "where_is": "La parada {n}, {place}, está a {d} al {dir}.", "go_to": "Ve a {place}.",
        "go_to_far": "Ve a {place}, {away}.", "over": "La parada {n} ha terminado. Siguiente: {place}.",
        "over_far": "La parada {n} ha terminado. Siguiente: {place}, {away}.",
        "thanks": "Esa era la última parada. Gracias por caminar.",
        "offline_file": "Para guardar este paseo y usarlo sin señal, ábrelo una vez desde su dirección web.",
        "offline_storing": "Guardando el paseo en este teléfono para usarlo sin señal (unos {size})...",
        "offline_stored": "Guardado en este teléfono para usarlo sin señal: {size} (la página, el mapa y {n} "
                          "paradas).",
        "offline_partly": "No se pudo guardar todo el paseo para usarlo sin conexión: abre la página otra vez con "
                          "señal.",
        "offline_failed": "No se pudo guardar el paseo para usarlo sin conexión ({error}): mantén la señal mientras "
                          "caminas.",
        "beacon_none": "Este navegador no puede reproducir la baliza.",
        "beacon_off_said": "Baliza desactivada.", "beacon_last": "Baliza activada, pero esa era la última parada.",
        "beacon_on_said": "Baliza activada: suena desde la dirección de {place}.",
        "beacon_waiting": "Baliza activada: sonará desde la dirección de {place} en cuanto la brújula del teléfono "
                          "o tu marcha muestren hacia dónde miras.",
        "map_summary": "Mapa de {title}: {n} paradas en {d}, de {first} a {last}.",
        "map_summary_one": "Mapa de {title}: 1 parada, {first}.",
        "map_stop": "{n}. {place} ({lat}; {lon})", "map_for": "{where}, para «{title}»",
        "map_next": "{where}. La parada {n}, {place}, está a {d} al {dir}", "map_route": "{line}, {d} por la ruta",
        "map_last": "{where}. La última parada.", "next_on": "Siguiente: {place}, {away}.",
    },
    "fr": {
        "page_title": "{title} : la promenade",
        "intro": "Une promenade de {n} arrêts, {length}.",
        "intro_by": "Une promenade de {n} arrêts, {length}, par {author}.",
        "intro_more": "La partie de l'histoire de chaque arrêt se joue quand vous l'atteignez. Mettez un casque, et "
                      "regardez où vous allez.",
        "start": "Commencer la promenade", "following": "Suit où vous êtes",
        "status_first": "Appuyez sur Commencer : la page suit alors où vous êtes (le téléphone demande d'abord). "
                        "Sinon, lancez vous-même chaque arrêt ci-dessous.",
        "next_heading": "Prochain arrêt", "directions_group": "Itinéraire", "where": "Où est-il ?",
        "directions": "Itinéraire", "beacon": "Balise", "beacon_on": "Balise activée",
        "beacon_help": "La balise tinte depuis la direction du prochain arrêt, dans votre casque : plus aiguë devant, "
                       "plus grave derrière, et plus rapide quand vous lui faites face. Elle se tait pendant un arrêt. "
                       "Appuyez sur B, ou sur le bouton, pour l'activer ou la couper.",
        "now_playing": "En cours :", "nothing_yet": "rien pour l'instant", "stops_group": "Arrêts",
        "previous": "Arrêt précédent", "replay": "Réécouter", "next": "Arrêt suivant",
        "finish": "Laisser un arrêt finir avant que le suivant commence", "stops_heading": "Arrêts",
        "play_stop": "Écouter {n}. {place}", "not_heard": "pas encore écouté", "heard": "écouté",
        "playing": "en cours", "paused": "en pause", "queued": "le suivant, après celui-ci",
        "transcript": "Transcription", "transcript_none": "Le texte de l'arrêt en cours s'affiche ici.",
        "map": "Carte", "map_listed": "Les arrêts sont décrits en mots ci-dessous.",
        "other_apps": "Pour d'autres applications :", "gpx_for": "(Soundscape, applications GPS)",
        "whole_episode": "l'épisode entier", "and": "et",
        "colon": " : ", "away": "{d}, vers {dir}",
        "no_next": "Aucun : c'était le dernier arrêt.", "arriving": "Arrivée à {place}",
        "arriving_later": "Arrivée à {place} : il se joue à la fin de cet arrêt",
        "blocked": "Le téléphone a empêché le son de démarrer seul : appuyez sur Lecture dans le lecteur, ou sur "
                   "l'arrêt.",
        "jumped": "Votre position a sauté de {d}. Si vous n'êtes pas là, attendez la suivante ; les arrêts déjà "
                  "écoutés ne se rejoueront pas.",
        "following_again": "Votre position est de nouveau suivie.",
        "following_within": "Votre position est suivie (à {m} m près).",
        "other_way": "À {place}, mais en venant d'ailleurs : il se joue quand vous allez vers {dir}, ou appuyez sur "
                     "son bouton Écouter.",
        "back_at": "Vous êtes de retour à {place}, déjà écouté : appuyez sur Réécouter ou son bouton Écouter pour "
                   "l'entendre de nouveau.",
        "rough": "Votre position est imprécise (à {m} m près) : les arrêts attendent une meilleure position.",
        "denied": "La localisation est coupée ou refusée pour cette page, et la promenade ne peut pas vous suivre. "
                  "Lancez chaque arrêt avec son bouton, ou avec Suivant et Précédent. Pour être suivi, autorisez la "
                  "localisation pour cette page et appuyez de nouveau sur Commencer.",
        "no_fix": "Pas encore de position (cela peut prendre une minute, dehors). Les arrêts se lancent toujours "
                  "avec leurs boutons.",
        "no_position": "La position est introuvable pour l'instant. Les arrêts se lancent toujours avec leurs "
                       "boutons.",
        "finding": "Recherche de votre position...",
        "stalled": "Pas de nouvelle position depuis {s} s : le signal est peut-être perdu. Les arrêts se lancent "
                   "toujours avec leurs boutons.",
        "last": "C'était le dernier arrêt.",
        "not_known": "Arrêt {n}, {place} : votre position n'est pas encore connue ; appuyez sur Commencer.",
        "where_is": "L'arrêt {n}, {place}, est à {d}, vers {dir}.", "go_to": "Allez à {place}.",
        "go_to_far": "Allez à {place}, {away}.", "over": "L'arrêt {n} est fini. Ensuite : {place}.",
        "over_far": "L'arrêt {n} est fini. Ensuite : {place}, {away}.",
        "thanks": "C'était le dernier arrêt. Merci d'avoir marché.",
        "offline_file": "Pour garder cette promenade sans réseau, ouvrez-la une fois depuis son adresse web.",
        "offline_storing": "Enregistrement de la promenade sur ce téléphone pour l'utiliser sans réseau (environ "
                           "{size})...",
        "offline_stored": "Enregistrée sur ce téléphone pour l'utiliser sans réseau : {size} (la page, la carte et "
                          "{n} arrêts).",
        "offline_partly": "La promenade n'a pas pu être enregistrée en entier : rouvrez la page avec du réseau.",
        "offline_failed": "La promenade n'a pas pu être enregistrée ({error}) : gardez du réseau en marchant.",
        "beacon_none": "Ce navigateur ne peut pas jouer la balise.",
        "beacon_off_said": "Balise coupée.", "beacon_last": "Balise activée, mais c'était le dernier arrêt.",
        "beacon_on_said": "Balise activée : elle tinte depuis la direction de {place}.",
        "beacon_waiting": "Balise activée : elle tintera depuis la direction de {place} dès que la boussole du "
                          "téléphone ou votre marche indiquera où vous regardez.",
        "map_summary": "Carte de {title} : {n} arrêts sur {d}, de {first} à {last}.",
        "map_summary_one": "Carte de {title} : 1 arrêt, {first}.",
        "map_stop": "{n}. {place} ({lat} ; {lon})", "map_for": "{where}, pour « {title} »",
        "map_next": "{where}. L'arrêt {n}, {place}, est à {d}, vers {dir}", "map_route": "{line}, {d} par le chemin",
        "map_last": "{where}. Le dernier arrêt.", "next_on": "Ensuite : {place}, {away}.",
    },
    "it": {
        "page_title": "{title}: la passeggiata",
        "intro": "Una passeggiata di {n} tappe, {length}.",
        "intro_by": "Una passeggiata di {n} tappe, {length}, di {author}.",
        "intro_more": "La parte della storia di ogni tappa suona quando la raggiungi. Usa le cuffie e guarda dove "
                      "vai.",
        "start": "Inizia la passeggiata", "following": "Segue dove sei",
        "status_first": "Premi Inizia: la pagina seguirà dove sei (il telefono chiede prima). Altrimenti, avvia tu "
                        "ogni tappa qui sotto.",
        "next_heading": "Prossima tappa", "directions_group": "Indicazioni", "where": "Dov'è?",
        "directions": "Indicazioni", "beacon": "Segnale", "beacon_on": "Segnale attivo",
        "beacon_help": "Il segnale ticchetta dalla direzione della prossima tappa, nelle cuffie: più acuto davanti, "
                       "più grave dietro e più rapido quando la hai di fronte. Tace mentre suona una tappa. Premi B, "
                       "o il pulsante, per attivarlo o disattivarlo.",
        "now_playing": "In riproduzione:", "nothing_yet": "ancora niente", "stops_group": "Tappe",
        "previous": "Tappa precedente", "replay": "Riascolta", "next": "Tappa successiva",
        "finish": "Lascia finire una tappa prima che inizi la successiva", "stops_heading": "Tappe",
        "play_stop": "Riproduci {n}. {place}", "not_heard": "non ancora ascoltata", "heard": "ascoltata",
        "playing": "in riproduzione", "paused": "in pausa", "queued": "la prossima, dopo questa",
        "transcript": "Trascrizione", "transcript_none": "Qui compare il testo della tappa in riproduzione.",
        "map": "Mappa", "map_listed": "Le tappe sono descritte a parole qui sotto.", "other_apps": "Per altre app:",
        "gpx_for": "(Soundscape, app GPS)", "whole_episode": "l'episodio intero", "and": "e",
        "colon": ": ", "away": "{d} verso {dir}",
        "no_next": "Nessuna: era l'ultima tappa.", "arriving": "In arrivo a {place}",
        "arriving_later": "In arrivo a {place}: suonerà alla fine di questa tappa",
        "blocked": "Il telefono ha impedito al suono di partire da solo: premi Riproduci nel lettore o sulla tappa.",
        "jumped": "La tua posizione è saltata di {d}. Se non sei lì, aspetta la prossima; le tappe già ascoltate non "
                  "suoneranno di nuovo.",
        "following_again": "Di nuovo seguo la tua posizione.",
        "following_within": "Seguo la tua posizione (con un margine di {m} m).",
        "other_way": "A {place}, ma arrivando da un'altra parte: suonerà quando andrai verso {dir}, oppure premi il "
                     "suo Riproduci.",
        "back_at": "Sei di nuovo a {place}, già ascoltata: premi Riascolta o il suo Riproduci per sentirla ancora.",
        "rough": "La tua posizione è approssimativa (con un margine di {m} m): le tappe aspettano una migliore.",
        "denied": "La posizione è disattivata o non consentita per questa pagina, quindi la passeggiata non può "
                  "seguirti. Avvia ogni tappa con il suo pulsante, o con Successiva e Precedente. Per essere "
                  "seguito, consenti la posizione per questa pagina e premi di nuovo Inizia.",
        "no_fix": "Ancora nessuna posizione (all'aperto può volerci un minuto). Le tappe si avviano comunque con i "
                  "loro pulsanti.",
        "no_position": "La posizione non si trova in questo momento. Le tappe si avviano comunque con i loro "
                       "pulsanti.",
        "finding": "Cerco dove sei...",
        "stalled": "Nessuna nuova posizione da {s} s: il segnale potrebbe essere perso. Le tappe si avviano comunque "
                   "con i loro pulsanti.",
        "last": "Era l'ultima tappa.",
        "not_known": "Tappa {n}, {place}: non si sa ancora dove sei; premi Inizia.",
        "where_is": "La tappa {n}, {place}, è a {d} verso {dir}.", "go_to": "Vai a {place}.",
        "go_to_far": "Vai a {place}, {away}.", "over": "La tappa {n} è finita. Prossima: {place}.",
        "over_far": "La tappa {n} è finita. Prossima: {place}, {away}.",
        "thanks": "Era l'ultima tappa. Grazie per aver camminato.",
        "offline_file": "Per tenere questa passeggiata senza segnale, aprila una volta dal suo indirizzo web.",
        "offline_storing": "Salvo la passeggiata su questo telefono per usarla senza segnale (circa {size})...",
        "offline_stored": "Salvata su questo telefono per usarla senza segnale: {size} (la pagina, la mappa e {n} "
                          "tappe).",
        "offline_partly": "Non è stato possibile salvare tutta la passeggiata: riapri la pagina con il segnale.",
        "offline_failed": "Non è stato possibile salvare la passeggiata ({error}): tieni il segnale mentre cammini.",
        "beacon_none": "Questo browser non può riprodurre il segnale.",
        "beacon_off_said": "Segnale disattivato.", "beacon_last": "Segnale attivo, ma era l'ultima tappa.",
        "beacon_on_said": "Segnale attivo: ticchetta dalla direzione di {place}.",
        "beacon_waiting": "Segnale attivo: ticchetterà dalla direzione di {place} appena la bussola del telefono o "
                          "il tuo cammino mostreranno dove guardi.",
        "map_summary": "Mappa di {title}: {n} tappe su {d}, da {first} a {last}.",
        "map_summary_one": "Mappa di {title}: 1 tappa, {first}.",
        "map_stop": "{n}. {place} ({lat}; {lon})", "map_for": "{where}, per «{title}»",
        "map_next": "{where}. La tappa {n}, {place}, è a {d} verso {dir}", "map_route": "{line}, {d} lungo il percorso",
        "map_last": "{where}. L'ultima tappa.", "next_on": "Prossima: {place}, {away}.",
    },
    "pt": {
        "page_title": "{title}: o passeio",
        "intro": "Um passeio de {n} paradas, {length}.",
        "intro_by": "Um passeio de {n} paradas, {length}, de {author}.",
        "intro_more": "A parte da história de cada parada toca quando você chega a ela. Use fones de ouvido e olhe "
                      "por onde anda.",
        "start": "Começar o passeio", "following": "Seguindo onde você está",
        "status_first": "Toque em Começar: a página passa a seguir onde você está (o telefone pergunta antes). Sem "
                        "isso, toque você mesmo cada parada abaixo.",
        "next_heading": "Próxima parada", "directions_group": "Direções", "where": "Onde fica?",
        "directions": "Direções", "beacon": "Sinal", "beacon_on": "Sinal ligado",
        "beacon_help": "O sinal soa da direção da próxima parada, nos fones: mais agudo à frente, mais grave atrás e "
                       "mais rápido quando você está de frente para ela. Fica em silêncio enquanto uma parada toca. "
                       "Pressione B, ou o botão, para ligar ou desligar.",
        "now_playing": "Tocando:", "nothing_yet": "nada ainda", "stops_group": "Paradas",
        "previous": "Parada anterior", "replay": "Repetir", "next": "Próxima parada",
        "finish": "Deixar uma parada terminar antes de a próxima começar", "stops_heading": "Paradas",
        "play_stop": "Tocar {n}. {place}", "not_heard": "ainda não ouvida", "heard": "ouvida",
        "playing": "tocando", "paused": "pausada", "queued": "a próxima, depois desta",
        "transcript": "Transcrição", "transcript_none": "O texto da parada que está tocando aparece aqui.",
        "map": "Mapa", "map_listed": "As paradas estão descritas em palavras abaixo.",
        "other_apps": "Para outros aplicativos:", "gpx_for": "(Soundscape, aplicativos de GPS)",
        "whole_episode": "o episódio inteiro", "and": "e",
        "colon": ": ", "away": "{d} em direção ao {dir}", "no_next": "Nenhuma: essa foi a última parada.",
        "arriving": "Chegando a {place}", "arriving_later": "Chegando a {place}: toca quando esta parada terminar",
        "blocked": "O telefone impediu que o som começasse sozinho: toque em Tocar no player ou na parada.",
        "jumped": "Sua posição saltou {d}. Se você não está aí, espere a próxima; as paradas já ouvidas não tocarão "
                  "de novo.",
        "following_again": "Seguindo sua posição de novo.",
        "following_within": "Seguindo sua posição (com margem de {m} m).",
        "other_way": "Em {place}, mas vindo de outro lado: toca quando você seguir para o {dir}, ou toque no Tocar "
                     "dela.",
        "back_at": "Você voltou a {place}, já ouvida: toque em Repetir ou no Tocar dela para ouvir de novo.",
        "rough": "Sua posição está imprecisa (com margem de {m} m): as paradas esperam uma melhor.",
        "denied": "A localização está desligada ou não permitida para esta página, então o passeio não pode seguir "
                  "você. Toque cada parada com o botão dela, ou com Próxima e Anterior. Para ser seguido, permita a "
                  "localização para esta página e toque em Começar de novo.",
        "no_fix": "Ainda sem posição (pode levar um minuto, ao ar livre). As paradas ainda tocam com os botões.",
        "no_position": "A posição não pode ser encontrada agora. As paradas ainda tocam com os botões.",
        "finding": "Procurando onde você está...",
        "stalled": "Nenhuma posição nova há {s} s: o sinal pode ter se perdido. As paradas ainda tocam com os "
                   "botões.",
        "last": "Essa foi a última parada.",
        "not_known": "Parada {n}, {place}: ainda não se sabe onde você está; toque em Começar.",
        "where_is": "A parada {n}, {place}, fica a {d} em direção ao {dir}.", "go_to": "Vá até {place}.",
        "go_to_far": "Vá até {place}, {away}.", "over": "A parada {n} terminou. Próxima: {place}.",
        "over_far": "A parada {n} terminou. Próxima: {place}, {away}.",
        "thanks": "Essa foi a última parada. Obrigado por caminhar.",
        "offline_file": "Para guardar este passeio e usar sem sinal, abra-o uma vez pelo endereço web.",
        "offline_storing": "Guardando o passeio neste telefone para usar sem sinal (cerca de {size})...",
        "offline_stored": "Guardado neste telefone para usar sem sinal: {size} (a página, o mapa e {n} paradas).",
        "offline_partly": "Não foi possível guardar o passeio inteiro: abra a página de novo com sinal.",
        "offline_failed": "Não foi possível guardar o passeio ({error}): mantenha o sinal enquanto caminha.",
        "beacon_none": "Este navegador não consegue tocar o sinal.",
        "beacon_off_said": "Sinal desligado.", "beacon_last": "Sinal ligado, mas essa foi a última parada.",
        "beacon_on_said": "Sinal ligado: soa da direção de {place}.",
        "beacon_waiting": "Sinal ligado: soará da direção de {place} assim que a bússola do telefone ou sua "
                          "caminhada mostrarem para onde você está virado.",
        "map_summary": "Mapa de {title}: {n} paradas em {d}, de {first} a {last}.",
        "map_summary_one": "Mapa de {title}: 1 parada, {first}.",
        "map_stop": "{n}. {place} ({lat}; {lon})", "map_for": "{where}, para “{title}”",
        "map_next": "{where}. A parada {n}, {place}, fica a {d} em direção ao {dir}",
        "map_route": "{line}, {d} pelo caminho", "map_last": "{where}. A última parada.",
        "next_on": "Próxima: {place}, {away}.",
    },
    "de": {
        "page_title": "{title}: der Rundgang",
        "intro": "Ein Rundgang mit {n} Stationen, {length}.",
        "intro_by": "Ein Rundgang mit {n} Stationen, {length}, von {author}.",
        "intro_more": "Der Teil der Geschichte jeder Station spielt, wenn Sie sie erreichen. Nutzen Sie Kopfhörer "
                      "und achten Sie auf den Weg.",
        "start": "Rundgang starten", "following": "Folgt Ihrem Standort",
        "status_first": "Drücken Sie Starten: Die Seite folgt dann Ihrem Standort (das Telefon fragt vorher). Ohne "
                        "das spielen Sie jede Station unten selbst ab.",
        "next_heading": "Nächste Station", "directions_group": "Wegbeschreibung", "where": "Wo ist sie?",
        "directions": "Wegbeschreibung", "beacon": "Leitton", "beacon_on": "Leitton an",
        "beacon_help": "Der Leitton tickt aus der Richtung der nächsten Station, in Ihren Kopfhörern: höher vorn, "
                       "tiefer hinten und schneller, wenn Sie ihr zugewandt sind. Während eine Station spielt, "
                       "schweigt er. Drücken Sie B oder die Schaltfläche, um ihn ein- oder auszuschalten.",
        "now_playing": "Es spielt:", "nothing_yet": "noch nichts", "stops_group": "Stationen",
        "previous": "Vorherige Station", "replay": "Wiederholen", "next": "Nächste Station",
        "finish": "Eine Station zu Ende spielen lassen, bevor die nächste beginnt", "stops_heading": "Stationen",
        "play_stop": "{n}. {place} abspielen", "not_heard": "noch nicht gehört", "heard": "gehört",
        "playing": "spielt", "paused": "pausiert", "queued": "als Nächstes, nach dieser",
        "transcript": "Transkript", "transcript_none": "Hier steht der Text der Station, die gerade spielt.",
        "map": "Karte", "map_listed": "Die Stationen sind unten in Worten beschrieben.",
        "other_apps": "Für andere Apps:",
        "gpx_for": "(Soundscape, GPS-Apps)", "whole_episode": "die ganze Folge", "and": "und",
        "colon": ": ", "away": "{d} Richtung {dir}",
        "no_next": "Keine: Das war die letzte Station.", "arriving": "Ankunft: {place}",
        "arriving_later": "Ankunft: {place}. Sie spielt, wenn diese Station endet",
        "blocked": "Das Telefon hat den Ton nicht von selbst starten lassen: Drücken Sie Abspielen im Player oder "
                   "bei der Station.",
        "jumped": "Ihr Standort ist um {d} gesprungen. Wenn Sie nicht dort sind, warten Sie auf den nächsten; schon "
                  "gehörte Stationen spielen nicht noch einmal.",
        "following_again": "Ihr Standort wird wieder verfolgt.",
        "following_within": "Ihr Standort wird verfolgt (auf {m} m genau).",
        "other_way": "Bei {place}, aber aus einer anderen Richtung: Sie spielt, wenn Sie Richtung {dir} gehen, oder "
                     "drücken Sie ihr Abspielen.",
        "back_at": "Sie sind wieder bei {place}, schon gehört: Drücken Sie Wiederholen oder ihr Abspielen, um sie "
                   "noch einmal zu hören.",
        "rough": "Ihr Standort ist ungenau (auf {m} m): Die Stationen warten auf einen besseren.",
        "denied": "Die Standortfreigabe ist aus oder für diese Seite nicht erlaubt, daher kann der Rundgang Ihnen "
                  "nicht folgen. Spielen Sie jede Station mit ihrer Schaltfläche ab, oder mit Weiter und Zurück. Um "
                  "verfolgt zu werden, erlauben Sie den Standort für diese Seite und drücken Sie erneut Starten.",
        "no_fix": "Noch kein Standort (draußen kann es eine Minute dauern). Die Stationen lassen sich weiter mit "
                  "ihren Schaltflächen abspielen.",
        "no_position": "Der Standort lässt sich gerade nicht finden. Die Stationen lassen sich weiter mit ihren "
                       "Schaltflächen abspielen.",
        "finding": "Standort wird gesucht...",
        "stalled": "Seit {s} s kein neuer Standort: Das Signal ist vielleicht weg. Die Stationen lassen sich weiter "
                   "mit ihren Schaltflächen abspielen.",
        "last": "Das war die letzte Station.",
        "not_known": "Station {n}, {place}: Ihr Standort ist noch nicht bekannt; drücken Sie Starten.",
        "where_is": "Station {n}, {place}, liegt {d} entfernt, Richtung {dir}.", "go_to": "Gehen Sie zu {place}.",
        "go_to_far": "Gehen Sie zu {place}, {away}.", "over": "Station {n} ist zu Ende. Als Nächstes: {place}.",
        "over_far": "Station {n} ist zu Ende. Als Nächstes: {place}, {away}.",
        "thanks": "Das war die letzte Station. Danke fürs Mitgehen.",
        "offline_file": "Um diesen Rundgang ohne Netz zu nutzen, öffnen Sie ihn einmal über seine Webadresse.",
        "offline_storing": "Der Rundgang wird auf diesem Telefon für die Nutzung ohne Netz gespeichert (etwa "
                           "{size})...",
        "offline_stored": "Auf diesem Telefon für die Nutzung ohne Netz gespeichert: {size} (die Seite, die Karte "
                          "und {n} Stationen).",
        "offline_partly": "Der Rundgang konnte nicht ganz gespeichert werden: Öffnen Sie die Seite noch einmal mit "
                          "Netz.",
        "offline_failed": "Der Rundgang konnte nicht gespeichert werden ({error}): Bleiben Sie beim Gehen im Netz.",
        "beacon_none": "Dieser Browser kann den Leitton nicht abspielen.",
        "beacon_off_said": "Leitton aus.", "beacon_last": "Leitton an, aber das war die letzte Station.",
        "beacon_on_said": "Leitton an: Er tickt aus der Richtung von {place}.",
        "beacon_waiting": "Leitton an: Er tickt aus der Richtung von {place}, sobald der Kompass des Telefons oder "
                          "Ihr Gehen zeigt, wohin Sie blicken.",
        "map_summary": "Karte von {title}: {n} Stationen auf {d}, von {first} bis {last}.",
        "map_summary_one": "Karte von {title}: 1 Station, {first}.",
        "map_stop": "{n}. {place} ({lat}; {lon})", "map_for": "{where}, für „{title}“",
        "map_next": "{where}. Station {n}, {place}, liegt {d} entfernt, Richtung {dir}",
        "map_route": "{line}, {d} auf dem Weg", "map_last": "{where}. Die letzte Station.",
        "next_on": "Als Nächstes: {place}, {away}.",
    },
}
