# ruff: noqa: E501 - a catalogue of sentences reads better unbroken
"""The catalogue: every word paylink shows a person, per language, in one place.

``LABELS`` are the fixed words of the documents (HTML and PDF), the e-mail layout and the web
pages (pay page, quote page, portal, receipts): one key, one word, wherever it appears, so the
due date is called the same on the pay page, in the PDF and in the e-mail. Message templates
see them as ``t`` (``{{ t.due_date }}``). ``MESSAGES`` are the default
message templates per kind: an e-mail ``subject``, an e-mail ``body`` (plain text, paragraphs
separated by a blank line) and an ``sms``. They are jinja templates over the variables listed
in :data:`paylink.render.MESSAGE_VARIABLES`, rendered in the same sandbox as an organization's
own saved templates.
"""

from __future__ import annotations

__all__ = ["LABELS", "MESSAGES", "MONTHS", "MONTHS_SHORT"]

MONTHS: dict[str, tuple[str, ...]] = {
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
    "fr": (
        "janvier", "février", "mars", "avril", "mai", "juin",
        "juillet", "août", "septembre", "octobre", "novembre", "décembre",
    ),
    "nl": (
        "januari", "februari", "maart", "april", "mei", "juni",
        "juli", "augustus", "september", "oktober", "november", "december",
    ),
    "de": (
        "Januar", "Februar", "März", "April", "Mai", "Juni",
        "Juli", "August", "September", "Oktober", "November", "Dezember",
    ),
}  # fmt: skip

MONTHS_SHORT: dict[str, tuple[str, ...]] = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "fr": (
        "janv.", "févr.", "mars", "avr.", "mai", "juin",
        "juil.", "août", "sept.", "oct.", "nov.", "déc.",
    ),
    "nl": (
        "jan.", "feb.", "mrt.", "apr.", "mei", "jun.",
        "jul.", "aug.", "sep.", "okt.", "nov.", "dec.",
    ),
    "de": (
        "Jan.", "Feb.", "März", "Apr.", "Mai", "Juni",
        "Juli", "Aug.", "Sept.", "Okt.", "Nov.", "Dez.",
    ),
}  # fmt: skip
"""The months abbreviated, for :func:`paylink.render.format.format_date` with ``short``."""

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "invoice": "Invoice",
        "quote": "Quote",
        "credit_note": "Credit note",
        "receipt": "Payment receipt",
        "help": "Help with paying",
        "help_reference_q": "What is a structured reference?",
        "help_reference_a": "A number like +++123/4567/89012+++ that tells the shop which invoice you pay. Copy it into the field for a structured communication (or the message) of your bank transfer, exactly as shown; then your payment is recognised automatically.",
        "help_transfer_q": "How long does a transfer take?",
        "help_transfer_a": "A SEPA transfer usually arrives the next working day; an instant transfer arrives within seconds. Transfers made at the weekend arrive on the next working day. The shop sees your payment once its bank has received it.",
        "help_card_q": "My card payment failed. What now?",
        "help_card_a": "Nothing was charged when a card payment fails. Check the card's limit and expiry date, try again, or choose another way to pay, such as a bank transfer with the details on the payment page. If the money was taken but the page does not say paid, wait an hour before paying again.",
        "help_contact_q": "How do I reach the shop?",
        "help_contact_a": "Use the contact details below, or those in the e-mail or text message that brought you here.",
        "receipt_number": "Receipt number",
        "payment_method": "Paid by",
        "reminder": "Payment reminder",
        "number": "Number",
        "issue_date": "Date",
        "due_date": "Due date",
        "overdue": "Overdue",
        "overdue_days": "{n} days overdue",
        "due_today": "Due today",
        "due_in_days": "Due in {n} days",
        "due_tomorrow": "Due tomorrow",
        "is_due_in_days": "is due in {n} days",
        "is_due_tomorrow": "is due tomorrow",
        "is_due_today": "is due today",
        "valid_until": "Valid until",
        "bill_to": "Bill to",
        "description": "Description",
        "quantity": "Qty",
        "unit_price": "Unit price",
        "discount": "Discount",
        "vat_rate": "VAT",
        "amount": "Amount",
        "net_total": "Total excl. VAT",
        "vat_on": "VAT {rate} on {base}",
        "total": "Total incl. VAT",
        "paid": "Already paid",
        "credited": "Credited",
        "open_amount": "Amount due",
        "vat_id": "VAT",
        "iban": "IBAN",
        "bic": "BIC",
        "reference": "Structured reference",
        "how_to_pay": "How to pay",
        "transfer_to": "Transfer {amount} to {iban} with the reference {reference}.",
        "scan_bank": "Scan with your banking app",
        "scan_payconiq": "Payconiq: scan with the Payconiq or Bancontact app",
        "pay_online": "Pay online",
        "scan_link": "Scan to open the payment page",
        "credits_invoice": "Credits invoice {number}",
        "reason": "Reason",
        "received_on": "Received on",
        "amount_received": "Amount received",
        "receipt_intro": "We received your payment for invoice {number}. Thank you.",
        "remaining": "Still to pay",
        "settled": "The invoice is fully paid.",
        "reminder_intro": "Our records show that invoice {number} of {date} is still unpaid.",
        "reminder_intro_pre_due": "Invoice {number} of {date} {status} ({due}).",
        "days_overdue": "Days overdue",
        "fees": "Reminder fees",
        "original_due": "Original due date",
        "to_pay_now": "To pay now",
        "charged_fee": "Reminder “{name}” of {date}",
        "fee_interest": "late-payment interest from {start} to {end}: {amount}",
        "fee_compensation": "compensation for recovery costs: {amount}",
        "fees_info": "Fees (for information, not charged)",
        "reminder_outro": "If you have paid in the meantime, please disregard this letter.",
        "accept_quote": "Accept this quote online",
        "quote_outro": "This quote is valid until {date}.",
        "email": "E-mail",
        "phone": "Phone",
        "website": "Website",
        "contact": "Contact",
        "page": "Page",
        "view_online": "View and pay online",
        "open_quote": "View the quote",
        "sms_stop": "STOP to opt out",
        "method_bank_transfer": "bank transfer",
        "method_card": "card",
        "method_cash": "cash",
        "method_manual": "a manual entry",
        # the web pages
        "code_title": "Sign in with a code",
        "code_intro": "For your privacy, we send a one-time code by SMS to the phone number we have for you.",
        "send_code": "Send me a code by SMS",
        "code_sent": "We sent a code by SMS to the number ending in",
        "enter_code": "Code (6 digits)",
        "verify": "Open my invoices",
        "code_wrong": "That code is not right, or it has expired. Try again or ask for a new one.",
        "code_too_many": "Too many tries. Wait a few minutes and ask for a new code.",
        "code_not_sent": "We could not send the code. Please contact us.",
        "payment_request": "Payment request",
        "download_invoice": "Download the invoice",
        "or_copy": "or copy these details into your banking app:",
        "beneficiary": "Beneficiary",
        "communication": "Communication",
        "copy": "Copy",
        "copied": "Copied",
        "transfer_note": "Your transfer is confirmed as soon as it reaches our account. Please use the structured reference exactly as shown.",
        "call": "Call",
        "text": "Text",
        "paid_title": "Thank you, this is paid",
        "paid_on": "Paid on",
        "not_found_title": "This link is not valid",
        "not_found_body": "The link may have expired or been replaced. Please contact the sender for a new one.",
        "provider_failed_title": "This payment method is not available right now",
        "provider_failed_body": "Nothing was charged. Go back and try again in a few minutes, or choose another way to pay.",
        "back_to_payment": "Back to the payment",
        "approve": "Approve the quote",
        "decline": "Decline",
        "decline_reason": "Reason (optional)",
        "approve_note": "By approving, you accept this quote and the terms below. An invoice will follow.",
        "quote_declined": "You declined this quote. Thank you for letting us know.",
        "quote_expired": "This quote has expired.",
        "quote_approved": "You approved this quote.",
        "your_invoices": "Your invoices",
        "open_balance": "Open balance",
        "pay": "Pay",
        "pay_all": "Pay everything in one payment",
        "status": "Status",
        "status_issued": "To pay",
        "status_partially_paid": "Partly paid",
        "status_paid": "Paid",
        "status_cancelled": "Cancelled",
        "your_code": "Your customer code",
        "your_code_note": "Show this code at the counter to identify yourself.",
        "nothing_open": "Nothing to pay. Thank you!",
        "questions": "Questions?",
        # the merchant's dashboard
        "desk_title": "dashboard",
        "desk_open_receivables": "Open receivables",
        "desk_overdue": "Overdue",
        "desk_open_payables": "Open payables",
        "desk_dso": "DSO ({days} days)",
        "desk_days": "{days} days",
        "desk_aging": "Aging",
        "desk_aging_on": "Aging on {date}",
        "desk_receivables": "receivables",
        "desk_payables": "payables",
        "desk_cash": "Cash in and out",
        "desk_cash_chart": "Cash in and out per month",
        "desk_cash_in": "cash in",
        "desk_cash_out": "cash out",
        "desk_source": "Source: {source}.",
        "desk_source_bank": "bank transactions",
        "desk_source_payments": "recorded payments",
        "desk_fees": "Payment provider fees",
        "desk_fees_provider": "provider",
        "desk_fees_gross": "gross received",
        "desk_fees_fee": "fees",
        "desk_fees_net": "net to the bank",
        "desk_fees_none": "no provider payout in the period",
        "desk_top": "Largest open balances",
        "desk_not_due": "not due",
        "desk_days_late": "{low}–{high} days late",
        "desk_over": "over {days} days late",
    },
    "fr": {
        "invoice": "Facture",
        "quote": "Devis",
        "credit_note": "Note de crédit",
        "receipt": "Reçu de paiement",
        "help": "Aide au paiement",
        "help_reference_q": "Qu'est-ce qu'une communication structurée ?",
        "help_reference_a": "Un numéro comme +++123/4567/89012+++ qui indique au commerçant quelle facture vous payez. Copiez-le tel quel dans le champ « communication structurée » (ou la communication) de votre virement ; votre paiement sera alors reconnu automatiquement.",
        "help_transfer_q": "Combien de temps prend un virement ?",
        "help_transfer_a": "Un virement SEPA arrive en général le jour ouvrable suivant ; un virement instantané en quelques secondes. Un virement fait le week-end arrive le jour ouvrable suivant. Le commerçant voit votre paiement dès que sa banque l'a reçu.",
        "help_card_q": "Mon paiement par carte a échoué. Que faire ?",
        "help_card_a": "Rien n'est débité quand un paiement par carte échoue. Vérifiez la limite et la date d'expiration de la carte, réessayez, ou choisissez un autre moyen de paiement, comme un virement avec les données de la page de paiement. Si l'argent a été débité mais que la page n'indique pas « payé », attendez une heure avant de payer à nouveau.",
        "help_contact_q": "Comment joindre le commerçant ?",
        "help_contact_a": "Utilisez les coordonnées ci-dessous, ou celles de l'e-mail ou du SMS qui vous a mené ici.",
        "receipt_number": "Numéro de reçu",
        "payment_method": "Payé par",
        "reminder": "Rappel de paiement",
        "number": "Numéro",
        "issue_date": "Date",
        "due_date": "Échéance",
        "overdue": "En retard",
        "overdue_days": "En retard de {n} jours",
        "due_today": "À payer aujourd'hui",
        "due_in_days": "À payer dans {n} jours",
        "due_tomorrow": "À payer demain",
        "is_due_in_days": "arrive à échéance dans {n} jours",
        "is_due_tomorrow": "arrive à échéance demain",
        "is_due_today": "arrive à échéance aujourd'hui",
        "valid_until": "Valable jusqu'au",
        "bill_to": "Facturé à",
        "description": "Description",
        "quantity": "Qté",
        "unit_price": "Prix unitaire",
        "discount": "Remise",
        "vat_rate": "TVA",
        "amount": "Montant",
        "net_total": "Total HTVA",
        "vat_on": "TVA {rate} sur {base}",
        "total": "Total TVAC",
        "paid": "Déjà payé",
        "credited": "Crédité",
        "open_amount": "Montant dû",
        "vat_id": "TVA",
        "iban": "IBAN",
        "bic": "BIC",
        "reference": "Communication structurée",
        "how_to_pay": "Comment payer",
        "transfer_to": "Virez {amount} sur le compte {iban} avec la communication {reference}.",
        "scan_bank": "Scannez avec votre application bancaire",
        "scan_payconiq": "Payconiq : scannez avec l'app Payconiq ou Bancontact",
        "pay_online": "Payer en ligne",
        "scan_link": "Scannez pour ouvrir la page de paiement",
        "credits_invoice": "Crédite la facture {number}",
        "reason": "Motif",
        "received_on": "Reçu le",
        "amount_received": "Montant reçu",
        "receipt_intro": "Nous avons bien reçu votre paiement pour la facture {number}. Merci.",
        "remaining": "Reste à payer",
        "settled": "La facture est entièrement payée.",
        "reminder_intro": "Sauf erreur de notre part, la facture {number} du {date} reste impayée.",
        "reminder_intro_pre_due": "La facture {number} du {date} {status} ({due}).",
        "days_overdue": "Jours de retard",
        "fees": "Frais de rappel",
        "original_due": "Échéance initiale",
        "to_pay_now": "À payer maintenant",
        "charged_fee": "Rappel « {name} » du {date}",
        "fee_interest": "intérêts de retard du {start} au {end} : {amount}",
        "fee_compensation": "indemnité forfaitaire pour frais de recouvrement : {amount}",
        "fees_info": "Frais (à titre d'information, non facturés)",
        "reminder_outro": "Si vous avez payé entre-temps, veuillez ne pas tenir compte de ce rappel.",
        "accept_quote": "Accepter ce devis en ligne",
        "quote_outro": "Ce devis est valable jusqu'au {date}.",
        "email": "E-mail",
        "phone": "Téléphone",
        "website": "Site web",
        "contact": "Contact",
        "page": "Page",
        "view_online": "Voir et payer en ligne",
        "open_quote": "Voir le devis",
        "sms_stop": "STOP pour ne plus recevoir de SMS",
        "method_bank_transfer": "virement",
        "method_card": "carte",
        "method_cash": "espèces",
        "method_manual": "encodage manuel",
        # the web pages
        "code_title": "Connexion avec un code",
        "code_intro": "Pour votre confidentialité, nous envoyons un code à usage unique par SMS au numéro que nous avons pour vous.",
        "send_code": "M'envoyer un code par SMS",
        "code_sent": "Nous avons envoyé un code par SMS au numéro se terminant par",
        "enter_code": "Code (6 chiffres)",
        "verify": "Voir mes factures",
        "code_wrong": "Ce code n'est pas correct ou a expiré. Réessayez ou demandez-en un nouveau.",
        "code_too_many": "Trop d'essais. Attendez quelques minutes et demandez un nouveau code.",
        "code_not_sent": "Nous n'avons pas pu envoyer le code. Contactez-nous.",
        "payment_request": "Demande de paiement",
        "download_invoice": "Télécharger la facture",
        "or_copy": "ou copiez ces données dans votre application bancaire :",
        "beneficiary": "Bénéficiaire",
        "communication": "Communication",
        "copy": "Copier",
        "copied": "Copié",
        "transfer_note": "Votre virement est confirmé dès qu'il arrive sur notre compte. Utilisez la communication structurée telle quelle.",
        "call": "Appeler",
        "text": "SMS",
        "paid_title": "Merci, c'est payé",
        "paid_on": "Payé le",
        "not_found_title": "Ce lien n'est pas valide",
        "not_found_body": "Le lien a peut-être expiré ou été remplacé. Contactez l'expéditeur pour en recevoir un nouveau.",
        "provider_failed_title": "Ce moyen de paiement n'est pas disponible pour le moment",
        "provider_failed_body": "Rien n'a été débité. Revenez en arrière et réessayez dans quelques minutes, ou choisissez un autre moyen de paiement.",
        "back_to_payment": "Retour au paiement",
        "approve": "Accepter le devis",
        "decline": "Refuser",
        "decline_reason": "Raison (facultatif)",
        "approve_note": "En acceptant, vous approuvez ce devis et les conditions ci-dessous. Une facture suivra.",
        "quote_declined": "Vous avez refusé ce devis. Merci de nous l'avoir fait savoir.",
        "quote_expired": "Ce devis a expiré.",
        "quote_approved": "Vous avez accepté ce devis.",
        "your_invoices": "Vos factures",
        "open_balance": "Solde à payer",
        "pay": "Payer",
        "pay_all": "Tout payer en une fois",
        "status": "Statut",
        "status_issued": "À payer",
        "status_partially_paid": "Payée en partie",
        "status_paid": "Payée",
        "status_cancelled": "Annulée",
        "your_code": "Votre code client",
        "your_code_note": "Montrez ce code au guichet pour vous identifier.",
        "nothing_open": "Rien à payer. Merci !",
        "questions": "Des questions ?",
        # the merchant's dashboard
        "desk_title": "tableau de bord",
        "desk_open_receivables": "Créances ouvertes",
        "desk_overdue": "En retard",
        "desk_open_payables": "Dettes ouvertes",
        "desk_dso": "DSO ({days} jours)",
        "desk_days": "{days} jours",
        "desk_aging": "Ancienneté",
        "desk_aging_on": "Ancienneté au {date}",
        "desk_receivables": "créances",
        "desk_payables": "dettes",
        "desk_cash": "Entrées et sorties",
        "desk_cash_chart": "Entrées et sorties par mois",
        "desk_cash_in": "entrées",
        "desk_cash_out": "sorties",
        "desk_source": "Source : {source}.",
        "desk_source_bank": "transactions bancaires",
        "desk_source_payments": "paiements enregistrés",
        "desk_fees": "Frais des prestataires de paiement",
        "desk_fees_provider": "prestataire",
        "desk_fees_gross": "brut encaissé",
        "desk_fees_fee": "frais",
        "desk_fees_net": "net versé à la banque",
        "desk_fees_none": "aucun versement de prestataire sur la période",
        "desk_top": "Plus grands soldes ouverts",
        "desk_not_due": "non échu",
        "desk_days_late": "{low}–{high} jours de retard",
        "desk_over": "plus de {days} jours de retard",
    },
    "nl": {
        "invoice": "Factuur",
        "quote": "Offerte",
        "credit_note": "Creditnota",
        "receipt": "Betalingsbewijs",
        "help": "Hulp bij betalen",
        "help_reference_q": "Wat is een gestructureerde mededeling?",
        "help_reference_a": "Een nummer zoals +++123/4567/89012+++ dat de winkel vertelt welke factuur u betaalt. Kopieer het precies zo in het veld voor de gestructureerde mededeling (of de mededeling) van uw overschrijving; dan wordt uw betaling automatisch herkend.",
        "help_transfer_q": "Hoe lang duurt een overschrijving?",
        "help_transfer_a": "Een SEPA-overschrijving komt meestal de volgende werkdag aan; een instantoverschrijving binnen enkele seconden. Een overschrijving in het weekend komt de volgende werkdag aan. De winkel ziet uw betaling zodra zijn bank ze ontvangen heeft.",
        "help_card_q": "Mijn kaartbetaling is mislukt. Wat nu?",
        "help_card_a": "Bij een mislukte kaartbetaling wordt niets aangerekend. Controleer de limiet en de vervaldatum van de kaart, probeer opnieuw, of kies een andere manier om te betalen, zoals een overschrijving met de gegevens op de betaalpagina. Is het geld afgeschreven maar staat er niet betaald, wacht dan een uur voor u opnieuw betaalt.",
        "help_contact_q": "Hoe bereik ik de winkel?",
        "help_contact_a": "Gebruik de contactgegevens hieronder, of die in de e-mail of sms die u hierheen bracht.",
        "receipt_number": "Nummer van het betalingsbewijs",
        "payment_method": "Betaald met",
        "reminder": "Betalingsherinnering",
        "number": "Nummer",
        "issue_date": "Datum",
        "due_date": "Vervaldatum",
        "overdue": "Achterstallig",
        "overdue_days": "{n} dagen achterstallig",
        "due_today": "Vandaag te betalen",
        "due_in_days": "Te betalen binnen {n} dagen",
        "due_tomorrow": "Morgen te betalen",
        "is_due_in_days": "vervalt over {n} dagen",
        "is_due_tomorrow": "vervalt morgen",
        "is_due_today": "vervalt vandaag",
        "valid_until": "Geldig tot",
        "bill_to": "Gefactureerd aan",
        "description": "Omschrijving",
        "quantity": "Aantal",
        "unit_price": "Eenheidsprijs",
        "discount": "Korting",
        "vat_rate": "Btw",
        "amount": "Bedrag",
        "net_total": "Totaal excl. btw",
        "vat_on": "Btw {rate} op {base}",
        "total": "Totaal incl. btw",
        "paid": "Reeds betaald",
        "credited": "Gecrediteerd",
        "open_amount": "Te betalen",
        "vat_id": "Btw",
        "iban": "IBAN",
        "bic": "BIC",
        "reference": "Gestructureerde mededeling",
        "how_to_pay": "Zo betaalt u",
        "transfer_to": "Schrijf {amount} over op {iban} met de mededeling {reference}.",
        "scan_bank": "Scan met uw bankapp",
        "scan_payconiq": "Payconiq: scan met de Payconiq- of Bancontact-app",
        "pay_online": "Online betalen",
        "scan_link": "Scan om de betaalpagina te openen",
        "credits_invoice": "Crediteert factuur {number}",
        "reason": "Reden",
        "received_on": "Ontvangen op",
        "amount_received": "Ontvangen bedrag",
        "receipt_intro": "Wij hebben uw betaling voor factuur {number} goed ontvangen. Dank u.",
        "remaining": "Nog te betalen",
        "settled": "De factuur is volledig betaald.",
        "reminder_intro": "Volgens onze gegevens is factuur {number} van {date} nog niet betaald.",
        "reminder_intro_pre_due": "Factuur {number} van {date} {status} ({due}).",
        "days_overdue": "Dagen te laat",
        "fees": "Herinneringskosten",
        "original_due": "Oorspronkelijke vervaldatum",
        "to_pay_now": "Nu te betalen",
        "charged_fee": "Herinnering ‘{name}’ van {date}",
        "fee_interest": "verwijlinterest van {start} tot {end}: {amount}",
        "fee_compensation": "forfaitaire vergoeding voor invorderingskosten: {amount}",
        "fees_info": "Kosten (ter informatie, niet aangerekend)",
        "reminder_outro": "Hebt u intussen betaald, dan mag u deze herinnering als niet verzonden beschouwen.",
        "accept_quote": "Deze offerte online aanvaarden",
        "quote_outro": "Deze offerte is geldig tot {date}.",
        "email": "E-mail",
        "phone": "Telefoon",
        "website": "Website",
        "contact": "Contact",
        "page": "Pagina",
        "view_online": "Online bekijken en betalen",
        "open_quote": "Offerte bekijken",
        "sms_stop": "STOP om af te melden",
        "method_bank_transfer": "overschrijving",
        "method_card": "kaart",
        "method_cash": "contant",
        "method_manual": "manuele invoer",
        # the web pages
        "code_title": "Aanmelden met een code",
        "code_intro": "Voor uw privacy sturen we een eenmalige code per sms naar het nummer dat we van u hebben.",
        "send_code": "Stuur me een code per sms",
        "code_sent": "We stuurden een code per sms naar het nummer dat eindigt op",
        "enter_code": "Code (6 cijfers)",
        "verify": "Mijn facturen openen",
        "code_wrong": "Die code klopt niet of is verlopen. Probeer opnieuw of vraag een nieuwe.",
        "code_too_many": "Te veel pogingen. Wacht enkele minuten en vraag een nieuwe code.",
        "code_not_sent": "We konden de code niet versturen. Neem contact met ons op.",
        "payment_request": "Betaalverzoek",
        "download_invoice": "Factuur downloaden",
        "or_copy": "of kopieer deze gegevens in uw bankapp:",
        "beneficiary": "Begunstigde",
        "communication": "Mededeling",
        "copy": "Kopiëren",
        "copied": "Gekopieerd",
        "transfer_note": "Uw overschrijving is bevestigd zodra ze op onze rekening staat. Gebruik de gestructureerde mededeling precies zoals vermeld.",
        "call": "Bellen",
        "text": "Sms",
        "paid_title": "Bedankt, dit is betaald",
        "paid_on": "Betaald op",
        "not_found_title": "Deze link is niet geldig",
        "not_found_body": "De link is misschien verlopen of vervangen. Vraag de afzender om een nieuwe.",
        "provider_failed_title": "Deze betaalmethode is nu niet beschikbaar",
        "provider_failed_body": "Er werd niets aangerekend. Ga terug en probeer het over enkele minuten opnieuw, of kies een andere manier om te betalen.",
        "back_to_payment": "Terug naar de betaling",
        "approve": "Offerte goedkeuren",
        "decline": "Weigeren",
        "decline_reason": "Reden (optioneel)",
        "approve_note": "Door goed te keuren aanvaardt u deze offerte en de voorwaarden hieronder. Er volgt een factuur.",
        "quote_declined": "U hebt deze offerte geweigerd. Bedankt om het ons te laten weten.",
        "quote_expired": "Deze offerte is verlopen.",
        "quote_approved": "U hebt deze offerte goedgekeurd.",
        "your_invoices": "Uw facturen",
        "open_balance": "Openstaand saldo",
        "pay": "Betalen",
        "pay_all": "Alles in één keer betalen",
        "status": "Status",
        "status_issued": "Te betalen",
        "status_partially_paid": "Deels betaald",
        "status_paid": "Betaald",
        "status_cancelled": "Geannuleerd",
        "your_code": "Uw klantcode",
        "your_code_note": "Toon deze code aan het loket om u te identificeren.",
        "nothing_open": "Niets te betalen. Bedankt!",
        "questions": "Vragen?",
        # the merchant's dashboard
        "desk_title": "dashboard",
        "desk_open_receivables": "Openstaande vorderingen",
        "desk_overdue": "Vervallen",
        "desk_open_payables": "Openstaande schulden",
        "desk_dso": "DSO ({days} dagen)",
        "desk_days": "{days} dagen",
        "desk_aging": "Ouderdom",
        "desk_aging_on": "Ouderdom op {date}",
        "desk_receivables": "vorderingen",
        "desk_payables": "schulden",
        "desk_cash": "In- en uitgaand",
        "desk_cash_chart": "In- en uitgaand per maand",
        "desk_cash_in": "inkomend",
        "desk_cash_out": "uitgaand",
        "desk_source": "Bron: {source}.",
        "desk_source_bank": "banktransacties",
        "desk_source_payments": "geregistreerde betalingen",
        "desk_fees": "Kosten van betaalproviders",
        "desk_fees_provider": "provider",
        "desk_fees_gross": "bruto ontvangen",
        "desk_fees_fee": "kosten",
        "desk_fees_net": "netto naar de bank",
        "desk_fees_none": "geen uitbetaling van een provider in de periode",
        "desk_top": "Grootste openstaande saldi",
        "desk_not_due": "niet vervallen",
        "desk_days_late": "{low}–{high} dagen te laat",
        "desk_over": "meer dan {days} dagen te laat",
    },
    "de": {
        "invoice": "Rechnung",
        "quote": "Angebot",
        "credit_note": "Gutschrift",
        "receipt": "Zahlungsbestätigung",
        "help": "Hilfe zur Zahlung",
        "help_reference_q": "Was ist eine strukturierte Mitteilung?",
        "help_reference_a": "Eine Nummer wie +++123/4567/89012+++, die dem Geschäft sagt, welche Rechnung Sie bezahlen. Kopieren Sie sie genau so in das Feld für die strukturierte Mitteilung (oder den Verwendungszweck) Ihrer Überweisung; dann wird Ihre Zahlung automatisch erkannt.",
        "help_transfer_q": "Wie lange dauert eine Überweisung?",
        "help_transfer_a": "Eine SEPA-Überweisung kommt meist am nächsten Werktag an, eine Echtzeitüberweisung in Sekunden. Am Wochenende getätigte Überweisungen kommen am nächsten Werktag an. Das Geschäft sieht Ihre Zahlung, sobald seine Bank sie erhalten hat.",
        "help_card_q": "Meine Kartenzahlung ist fehlgeschlagen. Was nun?",
        "help_card_a": "Bei einer fehlgeschlagenen Kartenzahlung wird nichts abgebucht. Prüfen Sie Limit und Ablaufdatum der Karte, versuchen Sie es erneut oder wählen Sie eine andere Zahlungsart, etwa eine Überweisung mit den Angaben auf der Zahlungsseite. Wurde Geld abgebucht, aber die Seite zeigt nicht bezahlt, warten Sie eine Stunde, bevor Sie erneut zahlen.",
        "help_contact_q": "Wie erreiche ich das Geschäft?",
        "help_contact_a": "Nutzen Sie die Kontaktdaten unten oder die in der E-Mail oder SMS, die Sie hierher geführt hat.",
        "receipt_number": "Belegnummer",
        "payment_method": "Bezahlt per",
        "reminder": "Zahlungserinnerung",
        "number": "Nummer",
        "issue_date": "Datum",
        "due_date": "Fällig am",
        "overdue": "Überfällig",
        "overdue_days": "{n} Tage überfällig",
        "due_today": "Heute fällig",
        "due_in_days": "Fällig in {n} Tagen",
        "due_tomorrow": "Morgen fällig",
        "is_due_in_days": "ist in {n} Tagen fällig",
        "is_due_tomorrow": "ist morgen fällig",
        "is_due_today": "ist heute fällig",
        "valid_until": "Gültig bis",
        "bill_to": "Rechnung an",
        "description": "Beschreibung",
        "quantity": "Menge",
        "unit_price": "Einzelpreis",
        "discount": "Rabatt",
        "vat_rate": "MwSt.",
        "amount": "Betrag",
        "net_total": "Summe netto",
        "vat_on": "MwSt. {rate} auf {base}",
        "total": "Summe brutto",
        "paid": "Bereits bezahlt",
        "credited": "Gutgeschrieben",
        "open_amount": "Offener Betrag",
        "vat_id": "USt-IdNr.",
        "iban": "IBAN",
        "bic": "BIC",
        "reference": "Strukturierte Mitteilung",
        "how_to_pay": "So bezahlen Sie",
        "transfer_to": "Überweisen Sie {amount} auf {iban} mit der Mitteilung {reference}.",
        "scan_bank": "Mit Ihrer Banking-App scannen",
        "scan_payconiq": "Payconiq: mit der Payconiq- oder Bancontact-App scannen",
        "pay_online": "Online bezahlen",
        "scan_link": "Scannen, um die Zahlungsseite zu öffnen",
        "credits_invoice": "Gutschrift zur Rechnung {number}",
        "reason": "Grund",
        "received_on": "Eingegangen am",
        "amount_received": "Erhaltener Betrag",
        "receipt_intro": "Wir haben Ihre Zahlung für die Rechnung {number} erhalten. Vielen Dank.",
        "remaining": "Noch zu zahlen",
        "settled": "Die Rechnung ist vollständig bezahlt.",
        "reminder_intro": "Laut unseren Unterlagen ist die Rechnung {number} vom {date} noch offen.",
        "reminder_intro_pre_due": "Die Rechnung {number} vom {date} {status} ({due}).",
        "days_overdue": "Tage überfällig",
        "fees": "Mahngebühren",
        "original_due": "Ursprüngliche Fälligkeit",
        "to_pay_now": "Jetzt zu zahlen",
        "charged_fee": "Mahnung „{name}“ vom {date}",
        "fee_interest": "Verzugszinsen vom {start} bis {end}: {amount}",
        "fee_compensation": "Pauschale für Beitreibungskosten: {amount}",
        "fees_info": "Gebühren (zur Information, nicht berechnet)",
        "reminder_outro": "Sollten Sie inzwischen bezahlt haben, betrachten Sie dieses Schreiben bitte als gegenstandslos.",
        "accept_quote": "Dieses Angebot online annehmen",
        "quote_outro": "Dieses Angebot ist gültig bis {date}.",
        "email": "E-Mail",
        "phone": "Telefon",
        "website": "Website",
        "contact": "Kontakt",
        "page": "Seite",
        "view_online": "Online ansehen und bezahlen",
        "open_quote": "Angebot ansehen",
        "sms_stop": "STOP zum Abmelden",
        "method_bank_transfer": "Überweisung",
        "method_card": "Karte",
        "method_cash": "bar",
        "method_manual": "manuelle Erfassung",
        # the web pages
        "code_title": "Anmelden mit einem Code",
        "code_intro": "Zum Schutz Ihrer Daten senden wir einen Einmalcode per SMS an die Nummer, die wir von Ihnen haben.",
        "send_code": "Code per SMS senden",
        "code_sent": "Wir haben einen Code per SMS an die Nummer gesendet, die endet auf",
        "enter_code": "Code (6 Ziffern)",
        "verify": "Meine Rechnungen öffnen",
        "code_wrong": "Dieser Code ist falsch oder abgelaufen. Versuchen Sie es erneut oder fordern Sie einen neuen an.",
        "code_too_many": "Zu viele Versuche. Warten Sie einige Minuten und fordern Sie einen neuen Code an.",
        "code_not_sent": "Wir konnten den Code nicht senden. Bitte kontaktieren Sie uns.",
        "payment_request": "Zahlungsaufforderung",
        "download_invoice": "Rechnung herunterladen",
        "or_copy": "oder diese Angaben in Ihre Banking-App kopieren:",
        "beneficiary": "Empfänger",
        "communication": "Verwendungszweck",
        "copy": "Kopieren",
        "copied": "Kopiert",
        "transfer_note": "Ihre Überweisung ist bestätigt, sobald sie auf unserem Konto eingeht. Bitte verwenden Sie die strukturierte Mitteilung genau wie angegeben.",
        "call": "Anrufen",
        "text": "SMS",
        "paid_title": "Danke, das ist bezahlt",
        "paid_on": "Bezahlt am",
        "not_found_title": "Dieser Link ist nicht gültig",
        "not_found_body": "Der Link ist vielleicht abgelaufen oder wurde ersetzt. Bitte fragen Sie den Absender nach einem neuen.",
        "provider_failed_title": "Diese Zahlungsart ist gerade nicht verfügbar",
        "provider_failed_body": "Es wurde nichts abgebucht. Gehen Sie zurück und versuchen Sie es in einigen Minuten erneut, oder wählen Sie eine andere Zahlungsart.",
        "back_to_payment": "Zurück zur Zahlung",
        "approve": "Angebot annehmen",
        "decline": "Ablehnen",
        "decline_reason": "Grund (optional)",
        "approve_note": "Mit der Annahme akzeptieren Sie dieses Angebot und die folgenden Bedingungen. Eine Rechnung folgt.",
        "quote_declined": "Sie haben dieses Angebot abgelehnt. Danke für Ihre Rückmeldung.",
        "quote_expired": "Dieses Angebot ist abgelaufen.",
        "quote_approved": "Sie haben dieses Angebot angenommen.",
        "your_invoices": "Ihre Rechnungen",
        "open_balance": "Offener Saldo",
        "pay": "Bezahlen",
        "pay_all": "Alles in einer Zahlung begleichen",
        "status": "Status",
        "status_issued": "Offen",
        "status_partially_paid": "Teilweise bezahlt",
        "status_paid": "Bezahlt",
        "status_cancelled": "Storniert",
        "your_code": "Ihr Kundencode",
        "your_code_note": "Zeigen Sie diesen Code am Schalter, um sich auszuweisen.",
        "nothing_open": "Nichts zu bezahlen. Danke!",
        "questions": "Fragen?",
        # the merchant's dashboard
        "desk_title": "Übersicht",
        "desk_open_receivables": "Offene Forderungen",
        "desk_overdue": "Überfällig",
        "desk_open_payables": "Offene Verbindlichkeiten",
        "desk_dso": "DSO ({days} Tage)",
        "desk_days": "{days} Tage",
        "desk_aging": "Altersstruktur",
        "desk_aging_on": "Altersstruktur am {date}",
        "desk_receivables": "Forderungen",
        "desk_payables": "Verbindlichkeiten",
        "desk_cash": "Ein- und Ausgänge",
        "desk_cash_chart": "Ein- und Ausgänge pro Monat",
        "desk_cash_in": "Eingänge",
        "desk_cash_out": "Ausgänge",
        "desk_source": "Quelle: {source}.",
        "desk_source_bank": "Bankbuchungen",
        "desk_source_payments": "erfasste Zahlungen",
        "desk_fees": "Gebühren der Zahlungsanbieter",
        "desk_fees_provider": "Anbieter",
        "desk_fees_gross": "brutto eingenommen",
        "desk_fees_fee": "Gebühren",
        "desk_fees_net": "netto an die Bank",
        "desk_fees_none": "keine Auszahlung eines Anbieters im Zeitraum",
        "desk_top": "Größte offene Salden",
        "desk_not_due": "nicht fällig",
        "desk_days_late": "{low}–{high} Tage überfällig",
        "desk_over": "über {days} Tage überfällig",
    },
}  # fmt: skip

# Each kind: the e-mail subject, the e-mail body (text; paragraphs split on blank lines) and
# the SMS. Keep SMS short and in GSM-7 where the language allows: one or two segments.
MESSAGES: dict[str, dict[str, dict[str, str]]] = {
    "en": {
        "portal_code": {
            "subject": "Your code for {{ org.name }}",
            "body": "Hello {{ customer.name }},\n\nYour code to open your invoices at {{ org.name }} is {{ code }}. It is valid for 10 minutes. If you did not ask for it, ignore this message.\n\n{{ org.name }}",
            "sms": "{{ code }} is your code for {{ org.name }}. Valid 10 minutes.",
        },
        "invoice_issued": {
            "subject": "Invoice {{ number }} from {{ org.name }}",
            "body": (
                "Hello {{ customer.name }},\n\n"
                "Please find attached invoice {{ number }} for {{ amount }}.\n\n"
                "{{ t.due_date }}: {{ due_date }}\n{% if reference %}{{ t.reference }}: {{ reference }}\n{% endif %}\n"
                "{% if pay_url %}You can pay it online: {{ pay_url }}\n\n{% endif %}"
                "{% if reference %}Or by bank transfer to {{ org.iban }} "
                "with this reference.\n\n{% endif %}"
                "Kind regards,\n{{ org.name }}"
            ),
            "sms": "{{ org.name }}: invoice {{ number }}, {{ amount }} due {{ due_date }}. "
            "Pay: {{ pay_url }}",
        },
        "quote_sent": {
            "subject": "Quote {{ number }} from {{ org.name }}",
            "body": (
                "Hello {{ customer.name }},\n\n"
                "Please find attached our quote {{ number }} for {{ amount }}, "
                "valid until {{ valid_until }}.\n\n"
                "{% if quote_url %}You can read and accept it online: {{ quote_url }}\n\n{% endif %}"
                "Kind regards,\n{{ org.name }}"
            ),
            "sms": "{{ org.name }}: quote {{ number }}, {{ amount }}, valid until "
            "{{ valid_until }}. {{ quote_url }}",
        },
        "payment_request": {
            "subject": "Payment request from {{ org.name }}: {{ amount }}",
            "body": (
                "Hello {{ customer.name }},\n\n"
                "{{ org.name }} asks you to pay {{ amount }} for: {{ description }}.\n\n"
                "Pay online: {{ pay_url }}\n\n"
                "Kind regards,\n{{ org.name }}"
            ),
            "sms": "{{ org.name }} asks {{ amount }} for {{ description }}. Pay: {{ pay_url }}",
        },
        "reminder": {
            "subject": "{% if step > 1 %}Reminder {{ step }}: {% else %}Reminder: {% endif %}"
            "invoice {{ number }} {% if pre_due %}{{ due_status }}{% else %}is overdue{% endif %}",
            "body": (
                "Hello {{ customer.name }},\n\n"
                "{% if pre_due %}Invoice {{ number }} of {{ open_amount }} {{ due_status }} "
                "({{ due_date }}).{% else %}"
                "Invoice {{ number }} was due on {{ due_date }}, {{ days_overdue }} days ago, "
                "and {{ open_amount }} is still open.{% endif %}"
                "{% if fees %}{% if fees_info_only %} For your information: the late-payment "
                "fees would be {{ fees }}.{% else %} Reminder fees of {{ fees }} have been "
                "added.{% endif %}{% endif %}\n\n"
                "Please pay {{ total_due }}{% if pay_url %} online: {{ pay_url }}"
                "{% else %} by bank transfer{% endif %}"
                "{% if reference %}, reference {{ reference }}{% endif %}.\n\n"
                "If you have paid in the meantime, please disregard this message.\n\n"
                "Kind regards,\n{{ org.name }}"
            ),
            "sms": "{{ org.name }}: invoice {{ number }} {% if pre_due %}{{ due_status }}"
            "{% else %}is {{ days_overdue }} days overdue{% endif %}, "
            "{{ total_due }} to pay. {{ pay_url }}",
        },
        "receipt": {
            "subject": "Payment received for invoice {{ number }}",
            "body": (
                "Hello {{ customer.name }},\n\n"
                "We received {{ paid_amount }} for invoice {{ number }}. Thank you!\n\n"
                "{% if open_amount_zero %}The invoice is fully paid."
                "{% else %}Still to pay: {{ open_amount }}.{% endif %}\n\n"
                "Kind regards,\n{{ org.name }}"
            ),
            "sms": "{{ org.name }}: we received {{ paid_amount }} for invoice {{ number }}. "
            "Thank you!",
        },
        "payment_notice": {
            "subject": "Paid: invoice {{ number }} by {{ customer.name }}",
            "body": (
                "Invoice {{ number }} to {{ customer.name }} ({{ amount }}) is paid.\n\n"
                "Received: {{ paid_amount }} by {{ method }} on {{ received_on }}."
            ),
            "sms": "Paid: invoice {{ number }}, {{ customer.name }}, {{ paid_amount }}.",
        },
        "owner_digest": {
            "subject": "{{ org.name }}: your summary of {{ period }}",
            "body": (
                "Summary of {{ period }} for {{ org.name }}:\n\n"
                "Payments received: {{ paid_count }} ({{ paid_total }}).\n"
                "Open invoices: {{ open_count }} ({{ open_total }}).\n"
                "Overdue: {{ overdue_count }} ({{ overdue_total }})."
            ),
            "sms": "{{ org.name }} {{ period }}: {{ paid_count }} paid ({{ paid_total }}), "
            "{{ overdue_count }} overdue ({{ overdue_total }}).",
        },
    },
    "fr": {
        "portal_code": {
            "subject": "Votre code pour {{ org.name }}",
            "body": "Bonjour {{ customer.name }},\n\nVotre code pour consulter vos factures chez {{ org.name }} est {{ code }}. Il est valable 10 minutes. Si vous ne l'avez pas demandé, ignorez ce message.\n\n{{ org.name }}",
            "sms": "{{ code }} est votre code pour {{ org.name }}. Valable 10 minutes.",
        },
        "invoice_issued": {
            "subject": "Facture {{ number }} de {{ org.name }}",
            "body": (
                "Bonjour {{ customer.name }},\n\n"
                "Veuillez trouver ci-joint la facture {{ number }} d'un montant de {{ amount }}.\n\n"
                "{{ t.due_date }} : {{ due_date }}\n{% if reference %}{{ t.reference }} : {{ reference }}\n{% endif %}\n"
                "{% if pay_url %}Vous pouvez la payer en ligne : {{ pay_url }}\n\n{% endif %}"
                "{% if reference %}Ou par virement sur le compte {{ org.iban }} "
                "avec cette communication.\n\n{% endif %}"
                "Bien cordialement,\n{{ org.name }}"
            ),
            "sms": "{{ org.name }} : facture {{ number }}, {{ amount }} pour le {{ due_date }}. "
            "Payer : {{ pay_url }}",
        },
        "quote_sent": {
            "subject": "Devis {{ number }} de {{ org.name }}",
            "body": (
                "Bonjour {{ customer.name }},\n\n"
                "Veuillez trouver ci-joint notre devis {{ number }} d'un montant de {{ amount }}, "
                "valable jusqu'au {{ valid_until }}.\n\n"
                "{% if quote_url %}Vous pouvez le consulter et l'accepter en ligne : "
                "{{ quote_url }}\n\n{% endif %}"
                "Bien cordialement,\n{{ org.name }}"
            ),
            "sms": "{{ org.name }} : devis {{ number }}, {{ amount }}, valable jusqu'au "
            "{{ valid_until }}. {{ quote_url }}",
        },
        "payment_request": {
            "subject": "Demande de paiement de {{ org.name }} : {{ amount }}",
            "body": (
                "Bonjour {{ customer.name }},\n\n"
                "{{ org.name }} vous demande de payer {{ amount }} pour : {{ description }}.\n\n"
                "Payer en ligne : {{ pay_url }}\n\n"
                "Bien cordialement,\n{{ org.name }}"
            ),
            "sms": "{{ org.name }} vous demande {{ amount }} pour {{ description }}. "
            "Payer : {{ pay_url }}",
        },
        "reminder": {
            "subject": "{% if step > 1 %}Rappel {{ step }} : {% else %}Rappel : {% endif %}"
            "la facture {{ number }} {% if pre_due %}{{ due_status }}{% else %}est échue{% endif %}",
            "body": (
                "Bonjour {{ customer.name }},\n\n"
                "{% if pre_due %}La facture {{ number }} de {{ open_amount }} {{ due_status }} "
                "({{ due_date }}).{% else %}"
                "La facture {{ number }} était payable le {{ due_date }}, il y a "
                "{{ days_overdue }} jours, et {{ open_amount }} reste impayé.{% endif %}"
                "{% if fees %}{% if fees_info_only %} Pour information : les frais de retard "
                "s'élèveraient à {{ fees }}.{% else %} Des frais de rappel de {{ fees }} ont été "
                "ajoutés.{% endif %}{% endif %}\n\n"
                "Merci de payer {{ total_due }}{% if pay_url %} en ligne : {{ pay_url }}"
                "{% else %} par virement{% endif %}"
                "{% if reference %}, communication {{ reference }}{% endif %}.\n\n"
                "Si vous avez payé entre-temps, veuillez ne pas tenir compte de ce message.\n\n"
                "Bien cordialement,\n{{ org.name }}"
            ),
            "sms": "{{ org.name }} : la facture {{ number }} {% if pre_due %}{{ due_status }}"
            "{% else %}a {{ days_overdue }} jours de retard{% endif %}, {{ total_due }} à payer. "
            "{{ pay_url }}",
        },
        "receipt": {
            "subject": "Paiement reçu pour la facture {{ number }}",
            "body": (
                "Bonjour {{ customer.name }},\n\n"
                "Nous avons reçu {{ paid_amount }} pour la facture {{ number }}. Merci !\n\n"
                "{% if open_amount_zero %}La facture est entièrement payée."
                "{% else %}Reste à payer : {{ open_amount }}.{% endif %}\n\n"
                "Bien cordialement,\n{{ org.name }}"
            ),
            "sms": "{{ org.name }} : nous avons reçu {{ paid_amount }} pour la facture "
            "{{ number }}. Merci !",
        },
        "payment_notice": {
            "subject": "Payée : facture {{ number }} de {{ customer.name }}",
            "body": (
                "La facture {{ number }} de {{ customer.name }} ({{ amount }}) est payée.\n\n"
                "Reçu : {{ paid_amount }} par {{ method }} le {{ received_on }}."
            ),
            "sms": "Payée : facture {{ number }}, {{ customer.name }}, {{ paid_amount }}.",
        },
        "owner_digest": {
            "subject": "{{ org.name }} : votre résumé de {{ period }}",
            "body": (
                "Résumé de {{ period }} pour {{ org.name }} :\n\n"
                "Paiements reçus : {{ paid_count }} ({{ paid_total }}).\n"
                "Factures ouvertes : {{ open_count }} ({{ open_total }}).\n"
                "En retard : {{ overdue_count }} ({{ overdue_total }})."
            ),
            "sms": "{{ org.name }} {{ period }} : {{ paid_count }} payées ({{ paid_total }}), "
            "{{ overdue_count }} en retard ({{ overdue_total }}).",
        },
    },
    "nl": {
        "portal_code": {
            "subject": "Uw code voor {{ org.name }}",
            "body": "Beste {{ customer.name }},\n\nUw code om uw facturen bij {{ org.name }} te bekijken is {{ code }}. Hij is 10 minuten geldig. Hebt u hem niet gevraagd, negeer dan dit bericht.\n\n{{ org.name }}",
            "sms": "{{ code }} is uw code voor {{ org.name }}. 10 minuten geldig.",
        },
        "invoice_issued": {
            "subject": "Factuur {{ number }} van {{ org.name }}",
            "body": (
                "Beste {{ customer.name }},\n\n"
                "In bijlage vindt u factuur {{ number }} voor {{ amount }}.\n\n"
                "{{ t.due_date }}: {{ due_date }}\n{% if reference %}{{ t.reference }}: {{ reference }}\n{% endif %}\n"
                "{% if pay_url %}U kunt online betalen: {{ pay_url }}\n\n{% endif %}"
                "{% if reference %}Of met een overschrijving naar {{ org.iban }} "
                "met deze mededeling.\n\n{% endif %}"
                "Met vriendelijke groeten,\n{{ org.name }}"
            ),
            "sms": "{{ org.name }}: factuur {{ number }}, {{ amount }} te betalen op "
            "{{ due_date }}. Betaal: {{ pay_url }}",
        },
        "quote_sent": {
            "subject": "Offerte {{ number }} van {{ org.name }}",
            "body": (
                "Beste {{ customer.name }},\n\n"
                "In bijlage vindt u onze offerte {{ number }} voor {{ amount }}, "
                "geldig tot {{ valid_until }}.\n\n"
                "{% if quote_url %}U kunt ze online bekijken en aanvaarden: "
                "{{ quote_url }}\n\n{% endif %}"
                "Met vriendelijke groeten,\n{{ org.name }}"
            ),
            "sms": "{{ org.name }}: offerte {{ number }}, {{ amount }}, geldig tot "
            "{{ valid_until }}. {{ quote_url }}",
        },
        "payment_request": {
            "subject": "Betaalverzoek van {{ org.name }}: {{ amount }}",
            "body": (
                "Beste {{ customer.name }},\n\n"
                "{{ org.name }} vraagt u {{ amount }} te betalen voor: {{ description }}.\n\n"
                "Online betalen: {{ pay_url }}\n\n"
                "Met vriendelijke groeten,\n{{ org.name }}"
            ),
            "sms": "{{ org.name }} vraagt {{ amount }} voor {{ description }}. "
            "Betaal: {{ pay_url }}",
        },
        "reminder": {
            "subject": "{% if step > 1 %}Herinnering {{ step }}: {% else %}Herinnering: "
            "{% endif %}factuur {{ number }} {% if pre_due %}{{ due_status }}{% else %}is vervallen"
            "{% endif %}",
            "body": (
                "Beste {{ customer.name }},\n\n"
                "{% if pre_due %}Factuur {{ number }} van {{ open_amount }} {{ due_status }} "
                "({{ due_date }}).{% else %}"
                "Factuur {{ number }} moest betaald zijn op {{ due_date }}, {{ days_overdue }} "
                "dagen geleden, en er staat nog {{ open_amount }} open.{% endif %}"
                "{% if fees %}{% if fees_info_only %} Ter informatie: de kosten voor laattijdige "
                "betaling zouden {{ fees }} bedragen.{% else %} Er werden {{ fees }} "
                "herinneringskosten aangerekend.{% endif %}{% endif %}\n\n"
                "Gelieve {{ total_due }} te betalen{% if pay_url %} via {{ pay_url }}"
                "{% else %} met een overschrijving{% endif %}"
                "{% if reference %}, mededeling {{ reference }}{% endif %}.\n\n"
                "Hebt u intussen betaald, dan mag u dit bericht als niet verzonden beschouwen.\n\n"
                "Met vriendelijke groeten,\n{{ org.name }}"
            ),
            "sms": "{{ org.name }}: factuur {{ number }} {% if pre_due %}{{ due_status }}"
            "{% else %}is {{ days_overdue }} dagen te laat{% endif %}, "
            "{{ total_due }} te betalen. {{ pay_url }}",
        },
        "receipt": {
            "subject": "Betaling ontvangen voor factuur {{ number }}",
            "body": (
                "Beste {{ customer.name }},\n\n"
                "Wij ontvingen {{ paid_amount }} voor factuur {{ number }}. Dank u!\n\n"
                "{% if open_amount_zero %}De factuur is volledig betaald."
                "{% else %}Nog te betalen: {{ open_amount }}.{% endif %}\n\n"
                "Met vriendelijke groeten,\n{{ org.name }}"
            ),
            "sms": "{{ org.name }}: wij ontvingen {{ paid_amount }} voor factuur {{ number }}. "
            "Dank u!",
        },
        "payment_notice": {
            "subject": "Betaald: factuur {{ number }} van {{ customer.name }}",
            "body": (
                "Factuur {{ number }} aan {{ customer.name }} ({{ amount }}) is betaald.\n\n"
                "Ontvangen: {{ paid_amount }} via {{ method }} op {{ received_on }}."
            ),
            "sms": "Betaald: factuur {{ number }}, {{ customer.name }}, {{ paid_amount }}.",
        },
        "owner_digest": {
            "subject": "{{ org.name }}: uw overzicht van {{ period }}",
            "body": (
                "Overzicht van {{ period }} voor {{ org.name }}:\n\n"
                "Ontvangen betalingen: {{ paid_count }} ({{ paid_total }}).\n"
                "Openstaande facturen: {{ open_count }} ({{ open_total }}).\n"
                "Vervallen: {{ overdue_count }} ({{ overdue_total }})."
            ),
            "sms": "{{ org.name }} {{ period }}: {{ paid_count }} betaald ({{ paid_total }}), "
            "{{ overdue_count }} vervallen ({{ overdue_total }}).",
        },
    },
    "de": {
        "portal_code": {
            "subject": "Ihr Code für {{ org.name }}",
            "body": "Guten Tag {{ customer.name }},\n\nIhr Code, um Ihre Rechnungen bei {{ org.name }} zu öffnen, lautet {{ code }}. Er ist 10 Minuten gültig. Wenn Sie ihn nicht angefordert haben, ignorieren Sie diese Nachricht.\n\n{{ org.name }}",
            "sms": "{{ code }} ist Ihr Code für {{ org.name }}. 10 Minuten gültig.",
        },
        "invoice_issued": {
            "subject": "Rechnung {{ number }} von {{ org.name }}",
            "body": (
                "Guten Tag {{ customer.name }},\n\n"
                "anbei erhalten Sie die Rechnung {{ number }} über {{ amount }}.\n\n"
                "{{ t.due_date }}: {{ due_date }}\n{% if reference %}{{ t.reference }}: {{ reference }}\n{% endif %}\n"
                "{% if pay_url %}Sie können sie online bezahlen: {{ pay_url }}\n\n{% endif %}"
                "{% if reference %}Oder per Überweisung auf {{ org.iban }} "
                "mit dieser Mitteilung.\n\n{% endif %}"
                "Mit freundlichen Grüßen\n{{ org.name }}"
            ),
            "sms": "{{ org.name }}: Rechnung {{ number }}, {{ amount }} fällig am {{ due_date }}. "
            "Bezahlen: {{ pay_url }}",
        },
        "quote_sent": {
            "subject": "Angebot {{ number }} von {{ org.name }}",
            "body": (
                "Guten Tag {{ customer.name }},\n\n"
                "anbei erhalten Sie unser Angebot {{ number }} über {{ amount }}, "
                "gültig bis zum {{ valid_until }}.\n\n"
                "{% if quote_url %}Sie können es online ansehen und annehmen: "
                "{{ quote_url }}\n\n{% endif %}"
                "Mit freundlichen Grüßen\n{{ org.name }}"
            ),
            "sms": "{{ org.name }}: Angebot {{ number }}, {{ amount }}, gültig bis "
            "{{ valid_until }}. {{ quote_url }}",
        },
        "payment_request": {
            "subject": "Zahlungsaufforderung von {{ org.name }}: {{ amount }}",
            "body": (
                "Guten Tag {{ customer.name }},\n\n"
                "{{ org.name }} bittet Sie um {{ amount }} für: {{ description }}.\n\n"
                "Online bezahlen: {{ pay_url }}\n\n"
                "Mit freundlichen Grüßen\n{{ org.name }}"
            ),
            "sms": "{{ org.name }} bittet um {{ amount }} für {{ description }}. "
            "Bezahlen: {{ pay_url }}",
        },
        "reminder": {
            "subject": "{% if step > 1 %}{{ step }}. Zahlungserinnerung: {% else %}"
            "Zahlungserinnerung: {% endif %}Rechnung {{ number }} {% if pre_due %}{{ due_status }}"
            "{% else %}ist überfällig{% endif %}",
            "body": (
                "Guten Tag {{ customer.name }},\n\n"
                "{% if pre_due %}die Rechnung {{ number }} über {{ open_amount }} {{ due_status }} "
                "({{ due_date }}).{% else %}"
                "die Rechnung {{ number }} war am {{ due_date }} fällig, vor {{ days_overdue }} "
                "Tagen, und {{ open_amount }} sind noch offen.{% endif %}"
                "{% if fees %}{% if fees_info_only %} Zu Ihrer Information: die Verzugskosten "
                "würden {{ fees }} betragen.{% else %} Es wurden Mahngebühren von {{ fees }} "
                "berechnet.{% endif %}{% endif %}\n\n"
                "Bitte zahlen Sie {{ total_due }}{% if pay_url %} online: {{ pay_url }}"
                "{% else %} per Überweisung{% endif %}"
                "{% if reference %}, Referenz {{ reference }}{% endif %}.\n\n"
                "Sollten Sie inzwischen bezahlt haben, betrachten Sie diese Nachricht bitte als "
                "gegenstandslos.\n\n"
                "Mit freundlichen Grüßen\n{{ org.name }}"
            ),
            "sms": "{{ org.name }}: Rechnung {{ number }} {% if pre_due %}{{ due_status }}"
            "{% else %}ist {{ days_overdue }} Tage überfällig{% endif %}, "
            "{{ total_due }} offen. {{ pay_url }}",
        },
        "receipt": {
            "subject": "Zahlung für Rechnung {{ number }} erhalten",
            "body": (
                "Guten Tag {{ customer.name }},\n\n"
                "wir haben {{ paid_amount }} für die Rechnung {{ number }} erhalten. Vielen Dank!\n\n"
                "{% if open_amount_zero %}Die Rechnung ist vollständig bezahlt."
                "{% else %}Noch zu zahlen: {{ open_amount }}.{% endif %}\n\n"
                "Mit freundlichen Grüßen\n{{ org.name }}"
            ),
            "sms": "{{ org.name }}: Wir haben {{ paid_amount }} für Rechnung {{ number }} "
            "erhalten. Danke!",
        },
        "payment_notice": {
            "subject": "Bezahlt: Rechnung {{ number }} von {{ customer.name }}",
            "body": (
                "Die Rechnung {{ number }} an {{ customer.name }} ({{ amount }}) ist bezahlt.\n\n"
                "Erhalten: {{ paid_amount }} per {{ method }} am {{ received_on }}."
            ),
            "sms": "Bezahlt: Rechnung {{ number }}, {{ customer.name }}, {{ paid_amount }}.",
        },
        "owner_digest": {
            "subject": "{{ org.name }}: Ihre Übersicht für {{ period }}",
            "body": (
                "Übersicht für {{ period }} von {{ org.name }}:\n\n"
                "Zahlungseingänge: {{ paid_count }} ({{ paid_total }}).\n"
                "Offene Rechnungen: {{ open_count }} ({{ open_total }}).\n"
                "Überfällig: {{ overdue_count }} ({{ overdue_total }})."
            ),
            "sms": "{{ org.name }} {{ period }}: {{ paid_count }} bezahlt ({{ paid_total }}), "
            "{{ overdue_count }} überfällig ({{ overdue_total }}).",
        },
    },
}

# A consolidated reminder: several overdue invoices of one customer in one message (the
# subject is the single reminder's).
_REMINDER_LIST: dict[str, tuple[str, str]] = {
    "en": (
        "Hello {{ customer.name }},\n\nThe following invoices are still open:\n\n"
        "{{ invoice_list }}\n\nTotal to pay: {{ total_due }}.\n\n"
        "If you have paid in the meantime, please disregard this message.\n\n"
        "Kind regards,\n{{ org.name }}",
        "{{ org.name }}: {{ invoice_count }} invoices are overdue, {{ total_due }} to pay.",
    ),
    "fr": (
        "Bonjour {{ customer.name }},\n\nLes factures suivantes restent impayées :\n\n"
        "{{ invoice_list }}\n\nTotal à payer : {{ total_due }}.\n\n"
        "Si vous avez payé entre-temps, veuillez ne pas tenir compte de ce message.\n\n"
        "Bien cordialement,\n{{ org.name }}",
        "{{ org.name }} : {{ invoice_count }} factures impayées, {{ total_due }} à payer.",
    ),
    "nl": (
        "Beste {{ customer.name }},\n\nDe volgende facturen staan nog open:\n\n"
        "{{ invoice_list }}\n\nTotaal te betalen: {{ total_due }}.\n\n"
        "Hebt u intussen betaald, dan mag u dit bericht negeren.\n\n"
        "Met vriendelijke groeten,\n{{ org.name }}",
        "{{ org.name }}: {{ invoice_count }} facturen vervallen, {{ total_due }} te betalen.",
    ),
    "de": (
        "Guten Tag {{ customer.name }},\n\nFolgende Rechnungen sind noch offen:\n\n"
        "{{ invoice_list }}\n\nZu zahlen: {{ total_due }}.\n\n"
        "Sollten Sie inzwischen bezahlt haben, betrachten Sie diese Nachricht als gegenstandslos."
        "\n\nMit freundlichen Grüßen\n{{ org.name }}",
        "{{ org.name }}: {{ invoice_count }} Rechnungen überfällig, {{ total_due }} zu zahlen.",
    ),
}
for _lang, (_body, _sms) in _REMINDER_LIST.items():
    MESSAGES[_lang]["reminder_list"] = {
        "subject": MESSAGES[_lang]["reminder"]["subject"],
        "body": _body,
        "sms": _sms,
    }

# The owner's digest: its section headings, and what an empty section says.
_DIGEST: dict[str, tuple[str, ...]] = {
    "en": ("Due soon", "Overdue", "Purchase invoices to pay", "Payments received", "none",
           "E-invoices refused by the buyer's network",
           "Received e-invoices that could not be read"),
    "fr": ("Bientôt échues", "En retard", "Factures d'achat à payer", "Paiements reçus", "aucun",
           "Factures électroniques refusées par le réseau de l'acheteur",
           "Factures électroniques reçues illisibles"),
    "nl": ("Binnenkort vervallen", "Achterstallig", "Aankoopfacturen te betalen", "Ontvangen betalingen", "geen",
           "E-facturen geweigerd door het netwerk van de koper",
           "Ontvangen e-facturen die niet gelezen konden worden"),
    "de": ("Bald fällig", "Überfällig", "Zu zahlende Eingangsrechnungen", "Eingegangene Zahlungen", "keine",
           "Vom Netzwerk des Käufers abgelehnte E-Rechnungen",
           "Empfangene E-Rechnungen, die nicht gelesen werden konnten"),
}  # fmt: skip
# Provider payouts not seen on the bank statement after their expected arrival, and the words
# of one line ("expected on").
_DIGEST_PAYOUTS: dict[str, tuple[str, str]] = {
    "en": ("Payouts not arrived on the bank account", "expected on"),
    "fr": ("Versements non arrivés sur le compte bancaire", "attendu le"),
    "nl": ("Uitbetalingen niet aangekomen op de bankrekening", "verwacht op"),
    "de": ("Nicht auf dem Bankkonto eingegangene Auszahlungen", "erwartet am"),
}
for _lang, _words in _DIGEST.items():
    _keys = ("digest_due_soon", "digest_overdue", "digest_purchases_due", "digest_payments")
    _more = (
        "digest_none",
        "digest_einvoices_refused",
        "digest_einvoices_unreadable",
        "digest_payouts_late",
        "digest_expected_on",
    )
    _words = (*_words, *_DIGEST_PAYOUTS[_lang])
    LABELS[_lang].update(zip((*_keys, *_more), _words, strict=True))

# The merchant's desk: its pages, actions and messages (en, fr, nl, de).
_DESK: dict[str, tuple[str, str, str, str]] = {
    "desk_name": ("Desk", "Bureau", "Bureau", "Schreibtisch"),
    "desk_nav_home": ("Home", "Accueil", "Overzicht", "Übersicht"),
    "desk_nav_invoices": ("Invoices", "Factures", "Facturen", "Rechnungen"),
    "desk_nav_review": ("To review", "À vérifier", "Na te kijken", "Zu prüfen"),
    "desk_nav_quotes": ("Quotes", "Devis", "Offertes", "Angebote"),
    "desk_nav_customers": ("Customers", "Clients", "Klanten", "Kunden"),
    "desk_sign_in": ("Sign in", "Se connecter", "Aanmelden", "Anmelden"),
    "desk_sign_out": ("Sign out", "Se déconnecter", "Afmelden", "Abmelden"),
    "desk_email": ("E-mail", "E-mail", "E-mail", "E-Mail"),
    "desk_password": ("Password", "Mot de passe", "Wachtwoord", "Passwort"),
    "desk_login_wrong": ("The e-mail or the password is not right.", "L'e-mail ou le mot de passe n'est pas correct.", "Het e-mailadres of het wachtwoord klopt niet.", "E-Mail oder Passwort ist nicht richtig."),
    "desk_login_locked": ("Too many attempts. Wait {minutes} minutes, then try again.", "Trop de tentatives. Attendez {minutes} minutes, puis réessayez.", "Te veel pogingen. Wacht {minutes} minuten en probeer opnieuw.", "Zu viele Versuche. Warten Sie {minutes} Minuten und versuchen Sie es erneut."),
    "desk_login_expired": ("Your session has ended. Please sign in again.", "Votre session a pris fin. Reconnectez-vous.", "Uw sessie is afgelopen. Meld u opnieuw aan.", "Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an."),
    "desk_bank": ("Bank position", "Position bancaire", "Banksaldo", "Kontostand"),
    "desk_bank_none": ("No bank statement with a closing balance yet.", "Aucun extrait bancaire avec solde final pour l'instant.", "Nog geen rekeninguittreksel met eindsaldo.", "Noch kein Kontoauszug mit Schlusssaldo."),
    "desk_balance_on": ("balance on {date}", "solde au {date}", "saldo op {date}", "Saldo am {date}"),
    "desk_receivables_open": ("Open receivables", "Créances ouvertes", "Openstaande vorderingen", "Offene Forderungen"),
    "desk_receivables_overdue": ("of which overdue", "dont en retard", "waarvan vervallen", "davon überfällig"),
    "desk_payables_open": ("Open payables", "Dettes ouvertes", "Openstaande schulden", "Offene Verbindlichkeiten"),
    "desk_this_month": ("This month", "Ce mois-ci", "Deze maand", "Diesen Monat"),
    "desk_fees_none": ("not reported", "non communiqués", "niet gemeld", "nicht gemeldet"),
    "desk_today": ("To do today", "À faire aujourd'hui", "Vandaag te doen", "Heute zu tun"),
    "desk_todo_review": ("{count} payments to review", "{count} paiements à vérifier", "{count} betalingen na te kijken", "{count} Zahlungen zu prüfen"),
    "desk_todo_unmatched": ("{count} bank transactions not matched", "{count} transactions bancaires non rapprochées", "{count} banktransacties niet gekoppeld", "{count} Buchungen nicht zugeordnet"),
    "desk_todo_overdue": ("{count} invoices overdue", "{count} factures en retard", "{count} facturen vervallen", "{count} Rechnungen überfällig"),
    "desk_todo_opened": ("{count} links opened but not paid", "{count} liens ouverts mais non payés", "{count} links geopend maar niet betaald", "{count} Links geöffnet, aber nicht bezahlt"),
    "desk_todo_quotes": ("{count} quotes waiting for approval", "{count} devis en attente d'accord", "{count} offertes wachten op akkoord", "{count} Angebote warten auf Zusage"),
    "desk_search": ("Number or customer", "Numéro ou client", "Nummer of klant", "Nummer oder Kunde"),
    "desk_filter": ("Filter", "Filtrer", "Filteren", "Filtern"),
    "desk_all": ("All", "Toutes", "Alle", "Alle"),
    "desk_open": ("Open", "Ouvertes", "Open", "Offen"),
    "desk_only_overdue": ("Only overdue", "En retard seulement", "Alleen vervallen", "Nur überfällige"),
    "desk_status": ("Status", "Statut", "Status", "Status"),
    "desk_link": ("Payment link", "Lien de paiement", "Betaallink", "Zahlungslink"),
    "desk_none_found": ("Nothing here.", "Rien ici.", "Niets hier.", "Nichts hier."),
    "desk_pages": ("Pages", "Pages", "Pagina's", "Seiten"),
    "desk_page": ("Page {page}", "Page {page}", "Pagina {page}", "Seite {page}"),
    "desk_newer": ("← Newer", "← Plus récentes", "← Nieuwere", "← Neuere"),
    "desk_older": ("Older →", "Plus anciennes →", "Oudere →", "Ältere →"),
    "desk_state_no_link": ("no link", "pas de lien", "geen link", "kein Link"),
    "desk_state_not_opened": ("not opened", "pas ouvert", "niet geopend", "nicht geöffnet"),
    "desk_state_opened": ("opened", "ouvert", "geopend", "geöffnet"),
    "desk_state_in_progress": ("payment in progress", "paiement en cours", "betaling bezig", "Zahlung läuft"),
    "desk_state_interrupted": ("payment interrupted", "paiement interrompu", "betaling onderbroken", "Zahlung abgebrochen"),
    "desk_state_paid": ("paid", "payé", "betaald", "bezahlt"),
    "desk_timeline": ("Timeline", "Historique", "Tijdlijn", "Verlauf"),
    "desk_ev_issued": ("Invoice issued", "Facture émise", "Factuur uitgereikt", "Rechnung ausgestellt"),
    "desk_ev_link_created": ("Link created", "Lien créé", "Link gemaakt", "Link erstellt"),
    "desk_ev_link_sent": ("Link sent", "Lien envoyé", "Link verstuurd", "Link gesendet"),
    "desk_ev_link_opened": ("Link opened", "Lien ouvert", "Link geopend", "Link geöffnet"),
    "desk_ev_link_in_progress": ("Payment started", "Paiement commencé", "Betaling gestart", "Zahlung begonnen"),
    "desk_ev_link_interrupted": ("Payment interrupted", "Paiement interrompu", "Betaling onderbroken", "Zahlung abgebrochen"),
    "desk_ev_link_paid": ("Link paid", "Lien payé", "Link betaald", "Link bezahlt"),
    "desk_ev_link_expired": ("Link expired", "Lien expiré", "Link verlopen", "Link abgelaufen"),
    "desk_ev_link_cancelled": ("Link cancelled", "Lien annulé", "Link geannuleerd", "Link storniert"),
    "desk_ev_reminder": ("Reminder {step} sent", "Rappel {step} envoyé", "Herinnering {step} verstuurd", "Mahnung {step} gesendet"),
    "desk_ev_message": ("Message {step}", "Message {step}", "Bericht {step}", "Nachricht {step}"),
    "desk_ev_payment": ("Payment received", "Paiement reçu", "Betaling ontvangen", "Zahlung erhalten"),
    "desk_ev_credit": ("Credit note", "Note de crédit", "Creditnota", "Gutschrift"),
    "desk_actions": ("Actions", "Actions", "Acties", "Aktionen"),
    "desk_send_email": ("Send the link by e-mail", "Envoyer le lien par e-mail", "Link per e-mail sturen", "Link per E-Mail senden"),
    "desk_send_sms": ("Send the link by SMS", "Envoyer le lien par SMS", "Link per sms sturen", "Link per SMS senden"),
    "desk_remind_now": ("Send a reminder now", "Envoyer un rappel maintenant", "Nu een herinnering sturen", "Jetzt eine Mahnung senden"),
    "desk_pause": ("Pause reminders", "Suspendre les rappels", "Herinneringen pauzeren", "Mahnungen pausieren"),
    "desk_resume": ("Resume reminders", "Reprendre les rappels", "Herinneringen hervatten", "Mahnungen fortsetzen"),
    "desk_paused": ("Reminders are paused for this customer.", "Les rappels sont suspendus pour ce client.", "Herinneringen zijn gepauzeerd voor deze klant.", "Mahnungen sind für diesen Kunden pausiert."),
    "desk_mark_paid": ("Mark as paid", "Marquer comme payée", "Als betaald markeren", "Als bezahlt markieren"),
    "desk_paid_on": ("Received on", "Reçu le", "Ontvangen op", "Erhalten am"),
    "desk_cancel": ("Cancel the invoice", "Annuler la facture", "Factuur annuleren", "Rechnung stornieren"),
    "desk_credit": ("Issue a credit note", "Émettre une note de crédit", "Creditnota opmaken", "Gutschrift ausstellen"),
    "desk_reason": ("Reason", "Motif", "Reden", "Grund"),
    "desk_credit_what": ("Amount incl. VAT and reason", "Montant TVAC et motif", "Bedrag incl. btw en reden", "Betrag inkl. MwSt. und Grund"),
    "desk_settle": ("What the customer already paid", "Ce que le client a déjà payé", "Wat de klant al betaalde", "Was der Kunde schon bezahlt hat"),
    "desk_settle_credit": ("Keep it as credit for the next invoices", "Le garder en avoir pour les prochaines factures", "Als tegoed houden voor de volgende facturen", "Als Guthaben für die nächsten Rechnungen behalten"),
    "desk_settle_refund": ("Pay it back now", "Le rembourser maintenant", "Nu terugbetalen", "Jetzt zurückzahlen"),
    "desk_done": ("Done.", "C'est fait.", "Gedaan.", "Erledigt."),
    "desk_failed": ("Not done: {reason}", "Pas fait : {reason}", "Niet gedaan: {reason}", "Nicht erledigt: {reason}"),
    "desk_proposals": ("Proposals to confirm", "Propositions à confirmer", "Voorstellen te bevestigen", "Zu bestätigende Vorschläge"),
    "desk_why": ("Why", "Pourquoi", "Waarom", "Warum"),
    "desk_confidence": ("confidence {percent}", "confiance {percent}", "zekerheid {percent}", "Sicherheit {percent}"),
    "desk_accept": ("Accept", "Accepter", "Aanvaarden", "Annehmen"),
    "desk_reject": ("Reject", "Refuser", "Weigeren", "Ablehnen"),
    "desk_unmatched": ("Unmatched transactions", "Transactions non rapprochées", "Niet-gekoppelde transacties", "Nicht zugeordnete Buchungen"),
    "desk_match": ("Match", "Rapprocher", "Koppelen", "Zuordnen"),
    "desk_match_to": ("Invoices it pays", "Factures qu'elle paie", "Facturen die ze betaalt", "Bezahlte Rechnungen"),
    "desk_match_numbers": ("Or invoice numbers, separated by commas", "Ou numéros de facture, séparés par des virgules", "Of factuurnummers, gescheiden door komma's", "Oder Rechnungsnummern, durch Kommas getrennt"),
    "desk_more_unmatched": ("{count} more unmatched transactions wait: they appear here as these are matched.", "{count} autres transactions non rapprochées attendent : elles apparaissent ici à mesure que celles-ci sont rapprochées.", "Nog {count} niet-gekoppelde transacties wachten: ze verschijnen hier zodra deze gekoppeld zijn.", "{count} weitere nicht zugeordnete Buchungen warten: Sie erscheinen hier, sobald diese zugeordnet sind."),
    "desk_counterparty": ("From", "De", "Van", "Von"),
    "desk_booked": ("Booked", "Comptabilisé", "Geboekt", "Gebucht"),
    "desk_valid_until": ("Valid until", "Valable jusqu'au", "Geldig tot", "Gültig bis"),
    "desk_expired": ("expired", "expiré", "verlopen", "abgelaufen"),
    "desk_quote_waiting": ("waiting", "en attente", "wacht", "wartet"),
    "desk_revenue": ("Revenue", "Chiffre d'affaires", "Omzet", "Umsatz"),
    "desk_balance": ("Open balance", "Solde ouvert", "Openstaand saldo", "Offener Saldo"),
    "desk_credit_balance": ("Credit", "Crédit", "Tegoed", "Guthaben"),
    "desk_invoices_count": ("Invoices", "Factures", "Facturen", "Rechnungen"),
    "desk_nav_keys": ("Access", "Accès", "Toegang", "Zugang"),
    "desk_users": ("People who sign in", "Personnes qui se connectent", "Wie zich aanmeldt", "Wer sich anmeldet"),
    "desk_last_login": ("last sign-in", "dernière connexion", "laatst aangemeld", "letzte Anmeldung"),
    "desk_never": ("never", "jamais", "nooit", "nie"),
    "desk_keys": ("API keys", "Clés d'API", "API-sleutels", "API-Schlüssel"),
    "desk_keys_intro": ("A key opens this organization's desk to a program: Authorization: Bearer followed by the key.", "Une clé ouvre le bureau de cette organisation à un programme : Authorization: Bearer suivi de la clé.", "Een sleutel opent het bureau van deze organisatie voor een programma: Authorization: Bearer gevolgd door de sleutel.", "Ein Schlüssel öffnet den Schreibtisch dieser Organisation für ein Programm: Authorization: Bearer und der Schlüssel."),
    "desk_key_name": ("What the key is for", "À quoi sert la clé", "Waarvoor de sleutel dient", "Wofür der Schlüssel ist"),
    "desk_key_create": ("Make a key", "Créer une clé", "Sleutel maken", "Schlüssel erstellen"),
    "desk_key_once": ("Copy this key now: it is not shown again.", "Copiez cette clé maintenant : elle ne sera plus affichée.", "Kopieer deze sleutel nu: hij wordt niet meer getoond.", "Kopieren Sie diesen Schlüssel jetzt: er wird nicht wieder angezeigt."),
    "desk_key_revoke": ("Revoke", "Révoquer", "Intrekken", "Widerrufen"),
    "desk_key_revoked": ("revoked", "révoquée", "ingetrokken", "widerrufen"),
    "desk_key_used": ("last used", "dernier usage", "laatst gebruikt", "zuletzt benutzt"),
}  # fmt: skip
for _i, _lang in enumerate(("en", "fr", "nl", "de")):
    LABELS[_lang].update({key: texts[_i] for key, texts in _DESK.items()})

# The dashboard's e-invoice timeline: its heading, the delivery states, the two ways out.
_EINVOICE_TIMELINE: dict[str, tuple[str, ...]] = {
    "en": ("E-invoice deliveries", "queued", "sent", "delivered", "refused",
           "over {network}", "by e-mail with the PDF", "to {receiver}"),
    "fr": ("Envois de factures électroniques", "en attente", "envoyée", "livrée", "refusée",
           "via {network}", "par e-mail avec le PDF", "à {receiver}"),
    "nl": ("Verzending van e-facturen", "in de wachtrij", "verzonden", "afgeleverd", "geweigerd",
           "via {network}", "per e-mail met de pdf", "aan {receiver}"),
    "de": ("Versand von E-Rechnungen", "in der Warteschlange", "gesendet", "zugestellt", "abgelehnt",
           "über {network}", "per E-Mail mit dem PDF", "an {receiver}"),
}  # fmt: skip
for _lang, _words in _EINVOICE_TIMELINE.items():
    _timeline_keys = (
        "desk_einvoices",
        "einvoice_queued",
        "einvoice_sent",
        "einvoice_delivered",
        "einvoice_refused",
        "einvoice_via_network",
        "einvoice_via_email",
        "einvoice_to",
    )
    LABELS[_lang].update(zip(_timeline_keys, _words, strict=True))

# The owner's digest, when statutory interest runs on a carried-forward reference rate.
_RATES_MISSING = {
    "en": "Statutory interest: the reference rate from {start} is missing, the last known "
    "one ({rate} %) is used meanwhile. Add it with: paylink rates add {start} RATE",
    "fr": "Intérêts légaux : le taux de référence à partir du {start} manque, le dernier "
    "connu ({rate} %) est appliqué en attendant. Ajoutez-le : paylink rates add {start} TAUX",
    "nl": "Wettelijke interest: de referentievoet vanaf {start} ontbreekt, de laatst "
    "bekende ({rate} %) wordt intussen gebruikt. Voeg hem toe: paylink rates add {start} VOET",
    "de": "Verzugszinsen: der Basiszinssatz ab {start} fehlt, der letzte bekannte "
    "({rate} %) wird vorerst verwendet. Ergänzen mit: paylink rates add {start} SATZ",
}
for _lang, _text in _RATES_MISSING.items():
    LABELS[_lang]["digest_rates_missing"] = _text
