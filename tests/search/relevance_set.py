"""The relevance set: held-out German B2B threads, the queries a business customer would
type for them, and queries against the demo content; the demo threads are the distractors.

Used by benchmarks/relevance.py (recall@1, recall@5, MRR@10) and tests/search. Queries are
written as people type them (lower case, words of the answer, compounds split or joined,
participles), not copied from titles. A query's relevant keys name held-out threads ("h:")
or demo questions ("d:" + the demo title); a hit counts when its thread has one of them."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from community.demo import ANSWERS, QUESTIONS, thread_replies
from search.documents import PUBLIC, ThreadDocument


@dataclass(frozen=True)
class HeldOut:
    key: str
    board: str
    title: str
    question: str
    answer: str  # the accepted answer; "" for an open thread
    replies: str = ""


HELD_OUT: list[HeldOut] = [
    HeldOut(
        "portierung",
        "telefonie",
        "Rufnummernmitnahme zum Vertragsende",
        "Unser Vertrag beim bisherigen Anbieter endet im April und wir wechseln zu euch. "
        "Wann muss der Auftrag gestellt werden, damit unsere Nummern ohne Unterbrechung "
        "erreichbar bleiben?",
        "Den Portierungsauftrag spätestens 30 Tage vor Vertragsende einreichen; die "
        "Kündigung beim alten Anbieter erledigen wir mit.",
    ),
    HeldOut(
        "shop-zertifikat",
        "homepages-shops",
        "Onlineshop zeigt Warnung: Zertifikat läuft ab",
        "Im Browser erscheint bei unserem Onlineshop seit gestern eine Warnung, das "
        "Zertifikat läuft morgen ab. Müssen wir es selbst erneuern?",
        "Im Hosting-Paket ist Let's Encrypt enthalten. Schalten Sie unter Sicherheit die "
        "automatische Erneuerung ein, dann wird es alle 60 Tage verlängert.",
    ),
    HeldOut(
        "newsletter-spam",
        "homepages-shops",
        "Newsletter kommen bei Empfängern nicht an",
        "Unsere Newsletter-Mails erreichen viele Kunden nicht oder landen im "
        "Junk-Ordner. Was können wir tun?",
        "Tragen Sie in der DNS-Verwaltung einen SPF-Eintrag ein und aktivieren Sie DKIM "
        "für die Domain; danach DMARC mit p=none beginnen.",
    ),
    HeldOut(
        "reconnect",
        "internet",
        "Internet jede Nacht kurz weg",
        "Jede Nacht um kurz nach zwei bricht bei uns die Internetverbindung für eine Minute "
        "ab und die Kassen melden einen Fehler.",
        "Das ist die Zwangstrennung nach 24 Stunden. Im Router können Sie den Zeitpunkt "
        "auf 4 Uhr legen oder mit fester IP-Adresse ganz abschalten lassen.",
    ),
    HeldOut(
        "fax-ip",
        "festnetz",
        "Faxgerät am IP-Anschluss funktioniert nicht",
        "Seit der Umstellung auf den IP-Anschluss bricht jedes Fax nach der ersten Seite ab.",
        "Stellen Sie das Faxgerät auf T.38 oder nutzen Sie den Faxdienst im Kundencenter; "
        "G.711 mit langsamer Übertragung hilft bei älteren Geräten.",
    ),
    HeldOut(
        "kuendigung-frist",
        "festnetz",
        "Kündigungsfrist für den Geschäftskundenvertrag",
        "Wie lange vorher muss ich unseren Festnetzvertrag kündigen, wenn die Firma schließt?",
        "Nach der Mindestlaufzeit gilt ein Monat. Bei Geschäftsaufgabe gibt es ein "
        "Sonderkündigungsrecht mit Nachweis der Gewerbeabmeldung.",
    ),
    HeldOut(
        "rechnung-pdf",
        "festnetz",
        "Rechnung als PDF für die Buchhaltung",
        "Unser Steuerbüro braucht die monatliche Rechnung als Datei. Wo finde ich die?",
        "Im Kundencenter unter Rechnungen lassen sich alle Rechnungen als PDF laden; "
        "eine Weiterleitung per Mail an die Buchhaltung können Sie dort einrichten.",
    ),
    HeldOut(
        "datenvolumen",
        "mobilfunk",
        "Datenvolumen schon am Monatsanfang verbraucht",
        "Bei drei Mitarbeitern ist das Datenvolumen nach einer Woche aufgebraucht und "
        "das Surfen ist dann gedrosselt.",
        "Buchen Sie für die Karten die Option Datenpaket XL nach oder wechseln Sie in den "
        "Tarif mit unbegrenztem Volumen; die Drosselung endet sofort.",
    ),
    HeldOut(
        "sim-gesperrt",
        "mobilfunk",
        "SIM nach dreimal falscher PIN gesperrt",
        "Ein Kollege hat dreimal die falsche PIN eingegeben, jetzt will das Handy eine PUK.",
        "Die PUK steht auf der Karte, auf der die SIM saß, oder im Kundencenter unter "
        "SIM-Karten. Nach zehn falschen PUK-Eingaben ist eine Ersatzkarte nötig.",
    ),
    HeldOut(
        "lte-backup",
        "internet",
        "Mobilfunk als Ersatz, wenn DSL ausfällt",
        "Wenn unser DSL ausfällt, steht die Kasse. Gibt es eine automatische Umschaltung?",
        "Der Business-Router kann eine LTE-Sicherung: SIM-Karte einlegen, dann schaltet er "
        "bei einem Ausfall automatisch auf Mobilfunk um.",
    ),
    HeldOut(
        "wlan-gaeste",
        "internet",
        "Getrenntes WLAN für Gäste im Wartezimmer",
        "Unsere Patienten sollen im Wartezimmer surfen können, aber nicht in unser "
        "Praxisnetz kommen.",
        "Aktivieren Sie im Router den Gastzugang; er ist vom Heimnetz getrennt und kann "
        "mit einem Zeitlimit versehen werden.",
    ),
    HeldOut(
        "speedtest",
        "internet",
        "Gebuchte Bandbreite wird nicht erreicht",
        "Gebucht sind 250 Mbit/s, gemessen bekommen wir abends nur 90. Ist das normal?",
        "Messen Sie mit Kabel direkt am Router und dokumentieren Sie die Ergebnisse mit der "
        "Breitbandmessung der Bundesnetzagentur; bei erheblicher Abweichung mindern wir.",
    ),
    HeldOut(
        "warteschleife",
        "telefonie",
        "Eigene Ansage in der Warteschleife",
        "Wir möchten, dass Anrufer in der Warteschleife eine Ansage mit unseren "
        "Öffnungszeiten hören.",
        "Laden Sie im Telefonie-Portal unter Ansagen eine MP3 hoch und weisen Sie sie der "
        "Warteschleife der Sammelrufnummer zu.",
    ),
    HeldOut(
        "rufnummer-unterdrueckt",
        "telefonie",
        "Bei Kunden erscheint unsere Nummer nicht",
        "Wenn wir Kunden anrufen, sehen sie 'unbekannt' statt unserer Zentrale.",
        "Schalten Sie die Rufnummernübermittlung (CLIP) im Portal ein und hinterlegen Sie "
        "die Zentrale als übermittelte Nummer für alle Nebenstellen.",
    ),
    HeldOut(
        "sammelruf",
        "telefonie",
        "Anruf soll bei allen Telefonen gleichzeitig klingeln",
        "In unserer Werkstatt sollen eingehende Anrufe auf allen vier Geräten klingeln.",
        "Richten Sie eine Gruppe mit paralleler Verteilung ein (Sammelruf); wer zuerst "
        "abhebt, bekommt das Gespräch.",
    ),
    HeldOut(
        "voicemail-mail",
        "telefonie",
        "Sprachnachrichten per E-Mail bekommen",
        "Kann uns die Mailbox neue Nachrichten als Audiodatei schicken?",
        "Ja: im Portal bei der Mailbox die E-Mail-Zustellung einschalten, die Nachricht "
        "kommt als WAV-Anhang.",
    ),
    HeldOut(
        "anlage-stromausfall",
        "tk-anlagen",
        "Telefonanlage startet nach Stromausfall nicht mehr",
        "Nach dem Stromausfall am Wochenende bleibt unsere Anlage beim Booten hängen.",
        "Halten Sie die Reset-Taste zehn Sekunden, spielen Sie dann die Sicherung ein; "
        "eine kleine USV verhindert das künftig.",
    ),
    HeldOut(
        "tuersprechstelle",
        "tk-anlagen",
        "Türsprechanlage an die Telefonanlage anschließen",
        "Wir wollen die Klingel am Eingang über die Telefone annehmen und die Tür öffnen.",
        "Eine SIP-Türstation wird als Nebenstelle angemeldet; der Türöffner lässt sich "
        "per Tastencode am Telefon auslösen.",
    ),
    HeldOut(
        "headset-bluetooth",
        "tk-anlagen",
        "Kabelloses Headset am Tischtelefon koppeln",
        "Unser neues Bluetooth-Headset findet das Tischtelefon nicht.",
        "Das Telefon braucht den USB-Dongle des Herstellers; Bluetooth direkt können nur "
        "die Modelle mit B im Namen.",
    ),
    HeldOut(
        "mail-postfach-voll",
        "homepages-shops",
        "Postfach voll, Mails kommen zurück",
        "Kunden bekommen eine Fehlermeldung, wenn sie uns schreiben: mailbox full.",
        "Erhöhen Sie den Speicher des Postfachs in der Verwaltung oder archivieren Sie "
        "alte Nachrichten; das Kontingent lässt sich je Postfach auf 50 GB setzen.",
    ),
    HeldOut(
        "homepage-langsam",
        "homepages-shops",
        "Webseite lädt sehr langsam",
        "Unsere Firmenwebseite braucht zehn Sekunden, bis sie steht. Liegt das am Paket?",
        "Aktivieren Sie PHP 8.3 und den Cache im Hosting-Paket und verkleinern Sie die "
        "Bilder; dann lädt die Seite meist in unter zwei Sekunden.",
    ),
    HeldOut(
        "impressum",
        "homepages-shops",
        "Impressum und Datenschutzerklärung im Baukasten",
        "Wo füge ich im Homepage-Baukasten das Impressum ein, damit es auf jeder Seite steht?",
        "Im Baukasten unter Rechtliches gibt es Vorlagen; der Link erscheint automatisch "
        "in der Fußzeile jeder Seite.",
    ),
    HeldOut(
        "eu-roaming",
        "mobilfunk",
        "Kosten im Ausland außerhalb der EU",
        "Unser Monteur arbeitet zwei Wochen in Norwegen und Serbien. Was kostet das?",
        "Norwegen zählt wie die EU, da gilt Ihr Inlandstarif. Für Serbien empfehle ich "
        "die Option Travel Welt mit 5 GB.",
    ),
    HeldOut(
        "multisim",
        "mobilfunk",
        "Zweite SIM-Karte für das Tablet",
        "Ich möchte mit derselben Nummer auch auf dem Tablet mobil surfen.",
        "Bestellen Sie eine MultiSIM zu Ihrem Vertrag; sie teilt das Datenvolumen und "
        "kostet 4,95 Euro im Monat.",
    ),
    HeldOut(
        "glasfaser-hausanschluss",
        "internet",
        "Hausanschluss für Glasfaser beantragen als Vermieter",
        "Wir sind Eigentümer eines Bürogebäudes. Wer zahlt den Anschluss ans Netz?",
        "Der Hausanschluss ist beim Ausbau kostenlos, wenn Sie den Gestattungsvertrag "
        "unterschreiben; die Leitungen im Haus verlegen wir mit.",
    ),
    HeldOut(
        "router-tausch",
        "internet",
        "Eigenen Router statt Mietgerät nutzen",
        "Dürfen wir unseren vorhandenen Router weiterverwenden und das Mietgerät zurückgeben?",
        "Ja, es gilt die Routerfreiheit. Die Zugangsdaten stehen im Auftragsschreiben; das "
        "Mietgerät schicken Sie mit dem Rücksendeschein zurück.",
    ),
    HeldOut(
        "stoerung-ticket",
        "festnetz",
        "Wie ist der Stand meiner Störungsmeldung?",
        "Vor drei Tagen habe ich eine Störung gemeldet und seitdem nichts gehört.",
        "Mit der Ticketnummer sehen Sie den Bearbeitungsstand unter Störungen im "
        "Kundencenter; ein Techniker-Termin wird dort auch angezeigt.",
    ),
    HeldOut(
        "vertragsverlaengerung",
        "mobilfunk",
        "Neues Firmenhandy bei Vertragsverlängerung",
        "Unsere Verträge laufen im Juni aus. Bekommen wir bei Verlängerung neue Geräte?",
        "Ab drei Monaten vor Ablauf können Sie im Kundencenter verlängern und ein Gerät "
        "mit Zuzahlung wählen.",
    ),
    HeldOut(
        "cloud-telefonanlage",
        "tk-anlagen",
        "Cloud-Telefonanlage statt Anlage im Keller",
        "Unsere alte ISDN-Anlage ist am Ende. Lohnt sich eine virtuelle Anlage?",
        "Für bis zu 20 Plätze ja: keine Hardware außer den Telefonen, Nebenstellen per "
        "Browser verwalten, Apps fürs Handy.",
    ),
    HeldOut(
        "domain-weiterleitung",
        "homepages-shops",
        "Zweite Domain auf die Hauptseite weiterleiten",
        "Wir haben die .de und die .com. Die .com soll einfach auf die .de zeigen.",
        "Legen Sie in der Domainverwaltung für die .com eine HTTP-Umleitung (301) auf die "
        ".de an; die Änderung wirkt nach einigen Minuten.",
    ),
]

# (query, relevant keys). The issue's misses first.
QUERIES: list[tuple[str, set[str]]] = [
    ("Rufnummer mitnehmen Anbieterwechsel", {"h:portierung"}),
    ("Zertifikat Shop abgelaufen", {"h:shop-zertifikat", "d:Onlineshop: SSL-Zertifikat läuft ab"}),
    ("Mails landen im Spam SPF DKIM", {"h:newsletter-spam", "d:E-Mails landen beim Kunden im Spam"}),
    ("Zwangstrennung nachts", {"h:reconnect", "d:Router verliert nachts die Verbindung"}),
    ("Fax geht nicht IP Anschluss", {"h:fax-ip"}),
    # held-out threads: words of the question, of the answer, compounds, typos
    ("Nummern behalten beim Wechsel", {"h:portierung", "d:Rufnummernblock mitnehmen beim Anbieterwechsel"}),
    ("Portierungsauftrag wann stellen", {"h:portierung"}),
    ("Zertifikat erneuern Onlineshop", {"h:shop-zertifikat", "d:Onlineshop: SSL-Zertifikat läuft ab"}),
    ("lets encrypt automatisch", {"h:shop-zertifikat"}),
    ("newsletter landet im junk", {"h:newsletter-spam"}),
    ("DMARC einrichten", {"h:newsletter-spam"}),
    ("Internetverbindung bricht nachts ab", {"h:reconnect", "d:Router verliert nachts die Verbindung"}),
    ("Kasse Fehler nachts Internet weg", {"h:reconnect"}),
    ("Faxgerät bricht ab", {"h:fax-ip"}),
    ("T.38 Fax", {"h:fax-ip"}),
    ("Vertrag kündigen Frist", {"h:kuendigung-frist"}),
    ("Sonderkündigung Geschäftsaufgabe", {"h:kuendigung-frist"}),
    ("Rechnung pdf herunterladen", {"h:rechnung-pdf"}),
    ("Rechnungen an Steuerberater weiterleiten", {"h:rechnung-pdf"}),
    ("datenvolumen aufgebraucht", {"h:datenvolumen"}),
    ("gedrosselt surfen mitarbeiter", {"h:datenvolumen"}),
    ("PUK vergessen SIM gesperrt", {"h:sim-gesperrt"}),
    ("falsche pin eingegeben", {"h:sim-gesperrt"}),
    ("LTE Backup bei DSL Ausfall", {"h:lte-backup"}),
    ("automatische umschaltung mobilfunk router", {"h:lte-backup"}),
    ("Gäste WLAN Praxis", {"h:wlan-gaeste"}),
    ("gastzugang wartezimmer", {"h:wlan-gaeste"}),
    ("bandbreite zu niedrig abends", {"h:speedtest"}),
    ("Breitbandmessung Minderung", {"h:speedtest"}),
    ("Ansage Warteschleife hochladen", {"h:warteschleife"}),
    ("Öffnungszeiten Ansage", {"h:warteschleife"}),
    ("Nummer wird nicht angezeigt beim Kunden", {"h:rufnummer-unterdrueckt"}),
    ("CLIP Rufnummernübermittlung", {"h:rufnummer-unterdrueckt"}),
    ("alle Telefone klingeln gleichzeitig", {"h:sammelruf"}),
    ("Sammelruf Werkstatt", {"h:sammelruf"}),
    ("Mailbox Nachricht als Mail", {"h:voicemail-mail"}),
    ("Telefonanlage bootet nicht nach Stromausfall", {"h:anlage-stromausfall"}),
    ("USV Telefonanlage", {"h:anlage-stromausfall"}),
    ("Türöffner über Telefon", {"h:tuersprechstelle"}),
    ("Bluetooth Headset Tischtelefon", {"h:headset-bluetooth", "d:Headset klingelt nicht mit, wie einstellen?"}),
    ("mailbox full fehlermeldung", {"h:mail-postfach-voll"}),
    ("Postfach Speicher erhöhen", {"h:mail-postfach-voll"}),
    ("Homepage lädt langsam", {"h:homepage-langsam"}),
    ("Impressum Baukasten", {"h:impressum"}),
    ("Norwegen Roaming Kosten", {"h:eu-roaming"}),
    ("Serbien Auslandsoption", {"h:eu-roaming"}),
    ("Multisim Tablet", {"h:multisim"}),
    ("gleiche Nummer auf dem Tablet", {"h:multisim"}),
    ("Glasfaser Hausanschluss Vermieter", {"h:glasfaser-hausanschluss"}),
    ("Gestattungsvertrag", {"h:glasfaser-hausanschluss"}),
    ("Routerfreiheit eigener Router", {"h:router-tausch"}),
    ("Mietgerät zurückschicken", {"h:router-tausch"}),
    ("Stand Störungsmeldung Ticket", {"h:stoerung-ticket"}),
    ("neues Handy bei Verlängerung", {"h:vertragsverlaengerung"}),
    ("virtuelle Telefonanlage ISDN ersetzen", {"h:cloud-telefonanlage"}),
    ("com Domain umleiten", {"h:domain-weiterleitung"}),
    ("Umleitung 301 Domain", {"h:domain-weiterleitung"}),
    # the demo content (questions people type for its threads)
    ("Router trennt nachts die Verbindung", {"d:Router verliert nachts die Verbindung"}),
    ("Rooter Verbindung weg", {"d:Router verliert nachts die Verbindung"}),
    ("feste IP für VPN", {"d:Feste IP-Adresse für den VPN-Zugang"}),
    ("statische IPv4-Adresse Tarif", {"d:Feste IP-Adresse für den VPN-Zugang"}),
    ("Glasfaser Verfügbarkeit Gewerbegebiet", {"d:Glasfaser-Ausbau: wann kommt er in unser Gewerbegebiet?"}),
    ("wann kommt Glasfaser", {"d:Glasfaser-Ausbau: wann kommt er in unser Gewerbegebiet?"}),
    ("Upload zu langsam", {"d:Upload zu langsam für Videokonferenzen"}),
    ("Videokonferenz ruckelt", {"d:Upload zu langsam für Videokonferenzen"}),
    ("Umzug Firmenanschluss", {"d:Umzug des Firmenanschlusses: wie lange vorher anmelden?"}),
    ("Büro zieht um Anschluss melden", {"d:Umzug des Firmenanschlusses: wie lange vorher anmelden?"}),
    ("kein Freizeichen", {"d:Festnetz seit heute Morgen gestört, was tun?"}),
    ("Störung Festnetz melden", {"d:Festnetz seit heute Morgen gestört, was tun?", "h:stoerung-ticket"}),
    ("Analoganschluss auf IP umstellen", {"d:Wechsel vom Analoganschluss auf IP: was ändert sich?"}),
    ("Alarmanlage nach Umstellung", {"d:Wechsel vom Analoganschluss auf IP: was ändert sich?"}),
    ("eSIM Diensthandys", {"d:eSIM für zwanzig Firmenhandys einrichten"}),
    ("QR-Codes für eSIM", {"d:eSIM für zwanzig Firmenhandys einrichten"}),
    ("Roaming Schweiz", {"d:Roaming in der Schweiz für Geschäftsreisen"}),
    ("Außendienst Roaming Option", {"d:Roaming in der Schweiz für Geschäftsreisen"}),
    ("schlechter Empfang im Lager", {"d:Schlechte Netzabdeckung im Lager, was hilft?"}),
    ("Repeater Netzabdeckung", {"d:Schlechte Netzabdeckung im Lager, was hilft?"}),
    ("Rufumleitung aufs Handy", {"d:Rufumleitung auf das Handy bei Abwesenheit"}),
    ("Weiterleitung wenn niemand abnimmt", {"d:Rufumleitung auf das Handy bei Abwesenheit"}),
    ("SIP-Trunk Zugangsdaten", {"d:SIP-Trunk mit eigener Telefonanlage verbinden"}),
    ("Rufnummernblock portieren", {"d:Rufnummernblock mitnehmen beim Anbieterwechsel"}),
    ("100 Durchwahlen zum neuen Anbieter", {"d:Rufnummernblock mitnehmen beim Anbieterwechsel"}),
    ("Telefonanlage zehn Arbeitsplätze", {"d:Telefonanlage für zehn Arbeitsplätze gesucht"}),
    ("DECT Headset klingelt nicht", {"d:Headset klingelt nicht mit, wie einstellen?"}),
    ("Tischtelefon Keine Registrierung", {"d:Tischtelefon zeigt 'Keine Registrierung'"}),
    ("Telefon neu provisionieren nach Update", {"d:Tischtelefon zeigt 'Keine Registrierung'"}),
    ("Domain zu anderem Hoster umziehen", {"d:Domain auf neuen Webhoster umziehen"}),
    ("Postfächer beim Hoster Umzug", {"d:Domain auf neuen Webhoster umziehen"}),
    ("SSL-Zertifikat abgelaufen", {"d:Onlineshop: SSL-Zertifikat läuft ab", "h:shop-zertifikat"}),
    ("Rechnungsmails landen im Spam", {"d:E-Mails landen beim Kunden im Spam", "h:newsletter-spam"}),
    # more ways to ask for the demo questions (typos, compounds joined or apart, inflections)
    ('DSL bricht jede Nacht ab', {'d:Router verliert nachts die Verbindung', 'h:reconnect'}),
    ('Verbindungsabbruch 3 Uhr', {'d:Router verliert nachts die Verbindung', 'h:reconnect'}),
    ('Fritzbox trennt Verbindung', {'d:Router verliert nachts die Verbindung', 'h:reconnect'}),
    ('VPN Server feste Adresse', {'d:Feste IP-Adresse für den VPN-Zugang'}),
    ('fest IP adresse', {'d:Feste IP-Adresse für den VPN-Zugang'}),
    ('IPv4 statisch buchen', {'d:Feste IP-Adresse für den VPN-Zugang'}),
    ('FTTH Gewerbegebiet', {'d:Glasfaser-Ausbau: wann kommt er in unser Gewerbegebiet?'}),
    ('Glasfaserausbau', {'d:Glasfaser-Ausbau: wann kommt er in unser Gewerbegebiet?', 'h:glasfaser-hausanschluss'}),
    ('glasfaser verfügbar', {'d:Glasfaser-Ausbau: wann kommt er in unser Gewerbegebiet?'}),
    ('mehr Upload Bandbreite', {'d:Upload zu langsam für Videokonferenzen'}),
    ('Videokonferenzen ruckeln', {'d:Upload zu langsam für Videokonferenzen'}),
    ('10 Mbit Upload', {'d:Upload zu langsam für Videokonferenzen'}),
    ('Firmenumzug Anschluss', {'d:Umzug des Firmenanschlusses: wie lange vorher anmelden?'}),
    ('Anschluss umziehen Ausfallzeit', {'d:Umzug des Firmenanschlusses: wie lange vorher anmelden?'}),
    ('umzug melden wie früh', {'d:Umzug des Firmenanschlusses: wie lange vorher anmelden?'}),
    ('Festnetz gestört', {'d:Festnetz seit heute Morgen gestört, was tun?', 'h:stoerung-ticket'}),
    ('Telefon tot kein Freizeichen', {'d:Festnetz seit heute Morgen gestört, was tun?'}),
    ('Festnetzstörung', {'d:Festnetz seit heute Morgen gestört, was tun?', 'h:stoerung-ticket'}),
    ('Faxgerät nach IP Umstellung', {'d:Wechsel vom Analoganschluss auf IP: was ändert sich?', 'h:fax-ip'}),
    ('Alarmanlage IP-Anschluss', {'d:Wechsel vom Analoganschluss auf IP: was ändert sich?'}),
    ('Analog abgeschaltet', {'d:Wechsel vom Analoganschluss auf IP: was ändert sich?'}),
    ('esim qr code', {'d:eSIM für zwanzig Firmenhandys einrichten'}),
    ('Firmenhandys auf eSIM umstellen', {'d:eSIM für zwanzig Firmenhandys einrichten'}),
    ('Diensthandy esim', {'d:eSIM für zwanzig Firmenhandys einrichten'}),
    ('Datenroaming Schweiz', {'d:Roaming in der Schweiz für Geschäftsreisen'}),
    ('Geschäftsreise Schweiz Handy', {'d:Roaming in der Schweiz für Geschäftsreisen'}),
    ('Roamingoption', {'d:Roaming in der Schweiz für Geschäftsreisen', 'h:eu-roaming'}),
    ('Handyempfang Halle schlecht', {'d:Schlechte Netzabdeckung im Lager, was hilft?'}),
    ('Hochregallager kein Netz', {'d:Schlechte Netzabdeckung im Lager, was hilft?'}),
    ('Netzabdeckung verbessern', {'d:Schlechte Netzabdeckung im Lager, was hilft?'}),
    ('Anrufe aufs Handy umleiten', {'d:Rufumleitung auf das Handy bei Abwesenheit'}),
    ('rufumleitung bei abwesenheit', {'d:Rufumleitung auf das Handy bei Abwesenheit'}),
    ('Rufweiterleitung einrichten', {'d:Rufumleitung auf das Handy bei Abwesenheit'}),
    ('SIP Trunk Telefonanlage anbinden', {'d:SIP-Trunk mit eigener Telefonanlage verbinden'}),
    ('eigene TK-Anlage per SIP', {'d:SIP-Trunk mit eigener Telefonanlage verbinden'}),
    ('Durchwahlen mitnehmen', {'d:Rufnummernblock mitnehmen beim Anbieterwechsel'}),
    ('Portierung Rufnummernblock', {'d:Rufnummernblock mitnehmen beim Anbieterwechsel'}),
    ('Nummernblock zum neuen Anbieter', {'d:Rufnummernblock mitnehmen beim Anbieterwechsel'}),
    ('TK-Anlage zwei Standorte', {'d:Telefonanlage für zehn Arbeitsplätze gesucht', 'h:cloud-telefonanlage'}),
    ('Telefonanlage empfehlen Büro', {'d:Telefonanlage für zehn Arbeitsplätze gesucht', 'h:cloud-telefonanlage'}),
    ('Headset klingelt nicht mit', {'d:Headset klingelt nicht mit, wie einstellen?'}),
    ('DECT Headset einstellen', {'d:Headset klingelt nicht mit, wie einstellen?', 'h:headset-bluetooth'}),
    ('Keine Registrierung nach Update', {"d:Tischtelefon zeigt 'Keine Registrierung'"}),
    ('Tischtelefon registriert sich nicht', {"d:Tischtelefon zeigt 'Keine Registrierung'"}),
    ('Webhoster wechseln Domain', {'d:Domain auf neuen Webhoster umziehen'}),
    ('Domainumzug E-Mail Postfächer', {'d:Domain auf neuen Webhoster umziehen'}),
    ('SSL Zertifikat verlängern', {'d:Onlineshop: SSL-Zertifikat läuft ab', 'h:shop-zertifikat'}),
    ('Zertifikat läuft ab', {'d:Onlineshop: SSL-Zertifikat läuft ab', 'h:shop-zertifikat'}),
    ('Spam SPF DKIM eintragen', {'d:E-Mails landen beim Kunden im Spam', 'h:newsletter-spam'}),
    ('Rechnungen landen im Spamordner', {'d:E-Mails landen beim Kunden im Spam'}),
    # short and long ones, typos, words only in answers
    ("sprachnachricht per mail", {"h:voicemail-mail"}),
    ("mailbox wav anhang", {"h:voicemail-mail"}),
    ("webseite extrem langsam php version", {"h:homepage-langsam"}),
    ("datenschutzerklärung einfügen homepage", {"h:impressum"}),
    ("ticketnummer störung bearbeitungsstand", {"h:stoerung-ticket"}),
    ("vertrag verlängern neues gerät zuzahlung", {"h:vertragsverlaengerung"}),
    ("isdn anlage kaputt cloud lösung", {"h:cloud-telefonanlage"}),
    ("klingel tür über telefon öffnen", {"h:tuersprechstelle"}),
    ("puk eingeben ersatzkarte", {"h:sim-gesperrt"}),
    ("Gewerbeabmeldung Kündigung", {"h:kuendigung-frist"}),
    ("telefonanlage hängt beim booten reset", {"h:anlage-stromausfall"}),
    ("Zugangsdaten eigener Router Auftragsschreiben", {"h:router-tausch"}),
    ("Warteschlange mp3 Ansage", {"h:warteschleife"}),
    ("Wir ziehen nächsten Monat mit dem Büro um, wann muss ich das melden damit das Telefon nicht ausfällt", {"d:Umzug des Firmenanschlusses: wie lange vorher anmelden?"}),
    ("Zertifkat ablauf", {"d:Onlineshop: SSL-Zertifikat läuft ab", "h:shop-zertifikat"}),
    ("Headsets klingeln nicht", {"d:Headset klingelt nicht mit, wie einstellen?", "h:headset-bluetooth"}),
    ("Glasfaser Hausanschlüsse Kosten Eigentümer", {"h:glasfaser-hausanschluss"}),
    ("vpn feste ip", {"d:Feste IP-Adresse für den VPN-Zugang"}),
]  # fmt: skip

BOARD_IDS = {slug: i + 1 for i, slug in enumerate(QUESTIONS)}
HELD_OUT_FIRST_ID = 100_000


def demo_documents(count: int = 200, seed: int = 1) -> Iterator[tuple[ThreadDocument, str]]:
    """Documents like those `seed_demo_content` writes (the same questions, each with
    replies that fit it, some solved by one of its answers), with their relevance key,
    without a database."""
    rng = random.Random(seed)
    pairs = [(b, q) for b, questions in QUESTIONS.items() if b != "grosskunden" for q in questions]
    order = rng.sample(pairs, len(pairs))
    now = 1_780_000_000
    for n in range(count):
        board, (question, body) = order[n] if n < len(order) else rng.choice(pairs)
        title = question
        replies = [
            text.replace("*", "") for text, _ in thread_replies(question, rng.randint(1, 4), rng)
        ]
        answers = [r for r in replies if r in {a.replace("*", "") for a in ANSWERS[question]}]
        solution = answers[0] if answers and rng.random() < 0.5 else ""
        if solution:
            replies.remove(solution)
        yield (
            _document(n + 1, board, title, body.replace("*", ""), solution, " ".join(replies),
                      created=now - (count - n) * 2220, kudos=rng.randint(0, 6)),
            "d:" + question,
        )  # fmt: skip


def held_out_documents() -> Iterator[tuple[ThreadDocument, str]]:
    for i, thread in enumerate(HELD_OUT):
        yield (
            _document(HELD_OUT_FIRST_ID + i, thread.board, thread.title, thread.question,
                      thread.answer, thread.replies, created=1_779_000_000 + i * 3600, kudos=2),
            "h:" + thread.key,
        )  # fmt: skip


def _document(
    id_: int,
    board: str,
    title: str,
    question: str,
    solution: str,
    replies: str,
    *,
    created: int,
    kudos: int,
) -> ThreadDocument:
    return ThreadDocument(
        id=id_,
        title=title,
        question=question,
        solution=solution,
        replies=replies,
        board_id=BOARD_IDS[board],
        board_slug=board,
        kind="question",
        solved=bool(solution),
        created=created,
        last_activity=created + 3600,
        kudos=kudos,
        reply_count=1 + replies.count(". "),
        visibility=[PUBLIC],
    )
