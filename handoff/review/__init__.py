"""The trainers' review inbox: what the models were unsure about or got wrong, and its labels.

Rooms: ``models`` (tables), ``masking`` and ``folding`` (what the inbox shows and how repeats
fold), ``capture`` (what enters and why), ``harvest`` (intent items read from Rasa's tracker
store), ``inbox`` (listing, labelling, the audit trail), ``export`` and ``spreadsheet``
(``nlu_data/`` files and CSV).
"""
