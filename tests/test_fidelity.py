"""Figure fidelity: every figure of the bundled evidence file is held here with its source, and nothing else slips in.

FIGURES is the reference: for each figure of data/inotuzumab-ozogamicin.yaml, where it sits, the value it must
carry, the reference id the file must cite for it, and where the value comes from: a section of the project's
reference sheet (/work/shared/reference/inotuzumab-evidence-facts.md, "sheet §N"), or another published source
the file cites (the US prescribing information, the FDA notice of 6 March 2024, the 2019 paper's Table 4), as
looked up in the issue 15 source notes. A figure the file holds that this table does not is an error: an
unsourced number cannot slip in. TEXT_NUMBERS does the same for numbers written inside the file's sentences.
"""
from __future__ import annotations

import re

import pytest
from pydantic import BaseModel

from report_builder.inputs.numbers import PValue, ReportedNumber

#: (path in the evidence file, value as written, reference id the file cites for it, where the value comes from)
FIGURES = [
    ('inovate.enrolled', '326', 'kantarjian2016', 'sheet §1'),
    ('inovate.arms.ino.n', '164', 'kantarjian2016', 'sheet §1'),
    ('inovate.arms.soc.n', '162', 'kantarjian2016', 'sheet §1'),
    ('inovate.flow[Randomized].ino', '164', 'kantarjian2016', 'sheet §1'),
    ('inovate.flow[Randomized].soc', '162', 'kantarjian2016', 'sheet §1'),
    ('inovate.flow[Analysed for remission (first 218 randomized)].ino', '109', 'kantarjian2016', 'sheet §1'),
    ('inovate.flow[Analysed for remission (first 218 randomized)].soc', '109', 'kantarjian2016', 'sheet §1'),
    ('inovate.flow[Received at least one dose].ino', '164', 'kantarjian2019', 'sheet §2'),
    ('inovate.flow[Received at least one dose].soc', '143', 'kantarjian2019', 'sheet §2'),
    ('inovate.crcri.p', '<0.001', 'kantarjian2016', 'sheet §1'),
    ('inovate.crcri.ino.events', '88', 'kantarjian2016', 'sheet §1'),
    ('inovate.crcri.ino.total', '109', 'kantarjian2016', 'sheet §1'),
    ('inovate.crcri.ino.percent', '80.7', 'kantarjian2016', 'sheet §1'),
    ('inovate.crcri.ino.ci', '72.1-87.7', 'kantarjian2016', 'sheet §1'),
    ('inovate.crcri.soc.events', '32', 'kantarjian2016', 'sheet §1'),
    ('inovate.crcri.soc.total', '109', 'kantarjian2016', 'sheet §1'),
    ('inovate.crcri.soc.percent', '29.4', 'kantarjian2016', 'sheet §1'),
    ('inovate.crcri.soc.ci', '21.0-38.8', 'kantarjian2016', 'sheet §1'),
    ('inovate.mrd.p', '<0.001', 'kantarjian2016', 'sheet §1'),
    ('inovate.mrd.ino.events', '69', 'kantarjian2016', 'sheet §1'),
    ('inovate.mrd.ino.total', '88', 'kantarjian2016', 'sheet §1'),
    ('inovate.mrd.ino.percent', '78.4', 'kantarjian2016', 'sheet §1'),
    ('inovate.mrd.soc.events', '9', 'kantarjian2016', 'sheet §1'),
    ('inovate.mrd.soc.total', '32', 'kantarjian2016', 'sheet §1'),
    ('inovate.mrd.soc.percent', '28.1', 'kantarjian2016', 'sheet §1'),
    ('inovate.dor.p', '=0.03', 'kantarjian2016', 'sheet §1'),
    ('inovate.dor.hr', '0.55', 'kantarjian2016', 'sheet §1'),
    ('inovate.dor.hr.ci', '0.31-0.96', 'kantarjian2016', 'sheet §1'),
    ('inovate.dor.hr.ci_level', '95', 'kantarjian2016', 'sheet §1'),
    ('inovate.dor.ino.ci', '3.9-5.4', 'kantarjian2016', 'sheet §1'),
    ('inovate.dor.ino.median', '4.6', 'kantarjian2016', 'sheet §1'),
    ('inovate.dor.soc.ci', '1.4-4.9', 'kantarjian2016', 'sheet §1'),
    ('inovate.dor.soc.median', '3.1', 'kantarjian2016', 'sheet §1'),
    ('inovate.pfs.p', '<0.001', 'kantarjian2016', 'sheet §1'),
    ('inovate.pfs.hr', '0.45', 'kantarjian2016', 'sheet §1'),
    ('inovate.pfs.hr.ci', '0.34-0.61', 'kantarjian2016', 'sheet §1'),
    ('inovate.pfs.hr.ci_level', '97.5', 'kantarjian2016', 'sheet §1'),
    ('inovate.pfs.ino.ci', '3.7-5.6', 'kantarjian2016', 'sheet §1'),
    ('inovate.pfs.ino.median', '5.0', 'kantarjian2016', 'sheet §1'),
    ('inovate.pfs.soc.ci', '1.5-2.2', 'kantarjian2016', 'sheet §1'),
    ('inovate.pfs.soc.median', '1.8', 'kantarjian2016', 'sheet §1'),
    ('inovate.os.p', '=0.04', 'kantarjian2016', 'sheet §1'),
    ('inovate.os.p_boundary', '0.0208', 'kantarjian2016', 'sheet §1'),
    ('inovate.os.hr', '0.77', 'kantarjian2016', 'sheet §1'),
    ('inovate.os.hr.ci', '0.58-1.03', 'kantarjian2016', 'sheet §1'),
    ('inovate.os.hr.ci_level', '97.5', 'kantarjian2016', 'sheet §1'),
    ('inovate.os.ino.ci', '6.0-9.2', 'kantarjian2016', 'sheet §1'),
    ('inovate.os.ino.median', '7.7', 'kantarjian2016', 'sheet §1'),
    ('inovate.os.ino.landmark[24].percent', '23', 'kantarjian2016', 'sheet §1'),
    ('inovate.os.ino.landmark[24].ci', '16-30', 'kantarjian2016', 'sheet §1'),
    ('inovate.os.soc.ci', '4.9-8.3', 'kantarjian2016', 'sheet §1'),
    ('inovate.os.soc.median', '6.7', 'kantarjian2016', 'sheet §1'),
    ('inovate.os.soc.landmark[24].percent', '10', 'kantarjian2016', 'sheet §1'),
    ('inovate.os.soc.landmark[24].ci', '5-16', 'kantarjian2016', 'sheet §1'),
    ('inovate.hsct.p', '<0.001', 'kantarjian2016', 'sheet §1'),
    ('inovate.hsct.ino.percent', '41', 'kantarjian2016', 'sheet §1'),
    ('inovate.hsct.soc.percent', '11', 'kantarjian2016', 'sheet §1'),
    ('inovate.crcri_final.p', '<0.0001', 'kantarjian2019', 'sheet §2'),
    ('inovate.crcri_final.ino.percent', '73.8', 'kantarjian2019', 'sheet §2'),
    ('inovate.crcri_final.soc.percent', '30.9', 'kantarjian2019', 'sheet §2'),
    ('inovate.os_final.p', '=0.0105', 'kantarjian2019', 'sheet §2'),
    ('inovate.os_final.p_boundary', '0.0208', 'kantarjian2019', 'sheet §2'),
    ('inovate.os_final.hr', '0.75', 'kantarjian2019', 'sheet §2'),
    ('inovate.os_final.hr.ci', '0.57-0.99', 'kantarjian2019', 'sheet §2'),
    ('inovate.os_final.hr.ci_level', '97.5', 'kantarjian2019', 'sheet §2'),
    ('inovate.os_final.ino.median', '7.7', 'kantarjian2019', 'sheet §2'),
    ('inovate.os_final.ino.landmark[24].percent', '22.8', 'kantarjian2019', 'sheet §2'),
    ('inovate.os_final.soc.median', '6.2', 'kantarjian2019', 'sheet §2'),
    ('inovate.os_final.soc.landmark[24].percent', '10.0', 'kantarjian2019', 'sheet §2'),
    ('inovate.hsct_final.p', '<0.0001', 'kantarjian2019', '2019 abstract (issue15-sources §3)'),
    ('inovate.hsct_final.ino.percent', '39.6', 'kantarjian2019', 'sheet §2'),
    ('inovate.hsct_final.ino.ci', '32.1-47.6', 'kantarjian2019', 'sheet §2'),
    ('inovate.hsct_final.soc.percent', '10.5', 'kantarjian2019', 'sheet §2'),
    ('inovate.hsct_final.soc.ci', '6.2-16.3', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[VOD/SOS | any].ino.events', '15', 'kantarjian2016', 'sheet §1'),
    ('inovate.ae[VOD/SOS | any].ino.total', '139', 'kantarjian2016', 'sheet §1'),
    ('inovate.ae[VOD/SOS | any].ino.percent', '11', 'kantarjian2016', 'sheet §1'),
    ('inovate.ae[VOD/SOS | any].soc.events', '1', 'kantarjian2016', 'sheet §1'),
    ('inovate.ae[VOD/SOS | any].soc.total', '120', 'kantarjian2016', 'sheet §1'),
    ('inovate.ae[VOD/SOS | any].soc.percent', '1', 'kantarjian2016', 'sheet §1'),
    ('inovate.ae[VOD/SOS (final report) | any].ino.events', '23', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[VOD/SOS (final report) | any].ino.total', '164', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[VOD/SOS (final report) | any].ino.percent', '14.0', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[VOD/SOS (final report) | any].soc.events', '3', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[VOD/SOS (final report) | any].soc.total', '143', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[VOD/SOS (final report) | any].soc.percent', '2.1', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[VOD/SOS, serious (final report) | >=3].ino.events', '19', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[VOD/SOS, serious (final report) | >=3].ino.total', '164', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[VOD/SOS, serious (final report) | >=3].ino.percent', '11.6', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[VOD/SOS, serious (final report) | >=3].soc.events', '3', 'kantarjian2019', '2019 Table 4 (issue15-sources §3)'),
    ('inovate.ae[VOD/SOS, serious (final report) | >=3].soc.total', '143', 'kantarjian2019', '2019 Table 4 (issue15-sources §3)'),
    ('inovate.ae[VOD/SOS, serious (final report) | >=3].soc.percent', '2.1', 'kantarjian2019', '2019 Table 4 (issue15-sources §3)'),
    ('inovate.ae[VOD/SOS, serious, fatal (final report) | 5].ino.events', '5', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[VOD/SOS, serious, fatal (final report) | 5].ino.total', '164', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[VOD/SOS, serious, fatal (final report) | 5].ino.percent', '3.0', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[VOD/SOS, serious, fatal (final report) | 5].soc.events', '0', 'kantarjian2019', '2019 Table 4 (issue15-sources §3)'),
    ('inovate.ae[VOD/SOS, serious, fatal (final report) | 5].soc.total', '143', 'kantarjian2019', '2019 Table 4 (issue15-sources §3)'),
    ('inovate.ae[VOD/SOS, serious, fatal (final report) | 5].soc.percent', '0', 'kantarjian2019', '2019 Table 4 (issue15-sources §3)'),
    ('inovate.ae[VOD/SOS in patients who went on to HSCT | any].ino.events', '18', 'besponsa_pi', 'US PI 5.1 (issue15-sources §1f)'),
    ('inovate.ae[VOD/SOS in patients who went on to HSCT | any].ino.total', '79', 'besponsa_pi', 'US PI 5.1 (issue15-sources §1f)'),
    ('inovate.ae[VOD/SOS in patients who went on to HSCT | any].ino.percent', '23', 'besponsa_pi', 'US PI 5.1 (issue15-sources §1f)'),
    ('inovate.ae[VOD/SOS without an intervening HSCT | any].ino.events', '5', 'besponsa_pi', 'US PI 5.1 (issue15-sources §1f)'),
    ('inovate.ae[VOD/SOS without an intervening HSCT | any].ino.total', '164', 'besponsa_pi', 'US PI 5.1 (issue15-sources §1f)'),
    ('inovate.ae[VOD/SOS without an intervening HSCT | any].ino.percent', '3', 'besponsa_pi', 'US PI 5.1 (issue15-sources §1f)'),
    ('inovate.ae[Non-relapse mortality after HSCT | 5].ino.percent', '39', 'besponsa_pi', 'sheet §7 (not confirmed in the label)'),
    ('inovate.ae[Non-relapse mortality after HSCT | 5].soc.percent', '23', 'besponsa_pi', 'sheet §7 (not confirmed in the label)'),
    ('inovate.ae[Any serious adverse event | any].ino.events', '85', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[Any serious adverse event | any].ino.total', '164', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[Any serious adverse event | any].ino.percent', '51.8', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[Any serious adverse event | any].soc.events', '72', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[Any serious adverse event | any].soc.total', '143', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[Any serious adverse event | any].soc.percent', '50.3', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[Any serious adverse event | >=3].ino.events', '80', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[Any serious adverse event | >=3].ino.total', '164', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[Any serious adverse event | >=3].ino.percent', '48.8', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[Any serious adverse event | >=3].soc.events', '71', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[Any serious adverse event | >=3].soc.total', '143', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[Any serious adverse event | >=3].soc.percent', '49.7', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[Fatal serious adverse event | 5].ino.events', '26', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[Fatal serious adverse event | 5].ino.total', '164', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[Fatal serious adverse event | 5].ino.percent', '15.9', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[Fatal serious adverse event | 5].soc.events', '16', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[Fatal serious adverse event | 5].soc.total', '143', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[Fatal serious adverse event | 5].soc.percent', '11.2', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[Febrile neutropenia | any].ino.events', '19', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[Febrile neutropenia | any].ino.total', '164', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[Febrile neutropenia | any].ino.percent', '11.6', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[Febrile neutropenia | any].soc.events', '27', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[Febrile neutropenia | any].soc.total', '143', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[Febrile neutropenia | any].soc.percent', '18.9', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[Sepsis | any].ino.events', '4', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[Sepsis | any].ino.total', '164', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[Sepsis | any].ino.percent', '2.4', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[Sepsis | any].soc.events', '10', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[Sepsis | any].soc.total', '143', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[Sepsis | any].soc.percent', '7.0', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[Pneumonia | any].ino.events', '10', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[Pneumonia | any].ino.total', '164', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[Pneumonia | any].ino.percent', '6.1', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[Pneumonia | any].soc.events', '0', 'kantarjian2019', 'sheet §2'),
    ('inovate.ae[Pneumonia | any].soc.total', '143', 'kantarjian2019', 'sheet §2'),
    ('phase2_2012.enrolled', '49', 'kantarjian2012', 'sheet §3'),
    ('phase2_2012.arms.ino.n', '49', 'kantarjian2012', 'sheet §3'),
    ('phase2_2012.orr.ino.events', '28', 'kantarjian2012', 'sheet §3'),
    ('phase2_2012.orr.ino.total', '49', 'kantarjian2012', 'sheet §3'),
    ('phase2_2012.orr.ino.percent', '57', 'kantarjian2012', 'sheet §3'),
    ('phase2_2012.orr.ino.ci', '42-71', 'kantarjian2012', 'sheet §3'),
    ('phase2_2012.cr.ino.events', '9', 'kantarjian2012', 'sheet §3'),
    ('phase2_2012.cr.ino.total', '49', 'kantarjian2012', 'sheet §3'),
    ('phase2_2012.cr.ino.percent', '18', 'kantarjian2012', 'sheet §3'),
    ('phase2_2012.marrow_cr.ino.events', '19', 'kantarjian2012', 'sheet §3'),
    ('phase2_2012.marrow_cr.ino.total', '49', 'kantarjian2012', 'sheet §3'),
    ('phase2_2012.marrow_cr.ino.percent', '39', 'kantarjian2012', 'sheet §3'),
    ('phase2_2012.resistant.ino.events', '19', 'kantarjian2012', 'sheet §3'),
    ('phase2_2012.resistant.ino.total', '49', 'kantarjian2012', 'sheet §3'),
    ('phase2_2012.resistant.ino.percent', '39', 'kantarjian2012', 'sheet §3'),
    ('phase2_2012.early_death.ino.events', '2', 'kantarjian2012', 'sheet §3'),
    ('phase2_2012.early_death.ino.total', '49', 'kantarjian2012', 'sheet §3'),
    ('phase2_2012.early_death.ino.percent', '4', 'kantarjian2012', 'sheet §3'),
    ('weekly_2013.enrolled', '90', 'kantarjian2013', 'sheet §4'),
    ('weekly_2013.arms.single.n', '49', 'kantarjian2013', 'sheet §4'),
    ('weekly_2013.arms.weekly.n', '41', 'kantarjian2013', 'sheet §4'),
    ('weekly_2013.orr.single.percent', '57', 'kantarjian2013', 'sheet §4'),
    ('weekly_2013.orr.weekly.percent', '59', 'kantarjian2013', 'sheet §4'),
    ('weekly_2013.orr.all.total', '90', 'kantarjian2013', 'sheet §4'),
    ('weekly_2013.orr.all.percent', '58', 'kantarjian2013', 'sheet §4'),
    ('weekly_2013.cr.all.events', '17', 'kantarjian2013', 'sheet §4'),
    ('weekly_2013.cr.all.total', '90', 'kantarjian2013', 'sheet §4'),
    ('weekly_2013.cr.all.percent', '19', 'kantarjian2013', 'sheet §4'),
    ('weekly_2013.crp.all.events', '27', 'kantarjian2013', 'sheet §4'),
    ('weekly_2013.crp.all.total', '90', 'kantarjian2013', 'sheet §4'),
    ('weekly_2013.crp.all.percent', '30', 'kantarjian2013', 'sheet §4'),
    ('weekly_2013.marrow_cr.all.events', '8', 'kantarjian2013', 'sheet §4'),
    ('weekly_2013.marrow_cr.all.total', '90', 'kantarjian2013', 'sheet §4'),
    ('weekly_2013.marrow_cr.all.percent', '9', 'kantarjian2013', 'sheet §4'),
    ('weekly_2013.allo_sct.all.events', '36', 'kantarjian2013', 'sheet §4'),
    ('weekly_2013.allo_sct.all.total', '90', 'kantarjian2013', 'sheet §4'),
    ('weekly_2013.allo_sct.all.percent', '40', 'kantarjian2013', 'sheet §4'),
    ('weekly_2013.os.single.median', '5.0', 'kantarjian2013', 'sheet §4'),
    ('weekly_2013.os.weekly.median', '7.3', 'kantarjian2013', 'sheet §4'),
    ('weekly_2013.os.all.median', '6.2', 'kantarjian2013', 'sheet §4'),
    ('weekly_2013.os_salvage1.all.median', '9.2', 'kantarjian2013', 'sheet §4'),
    ('weekly_2013.os_salvage2.all.median', '4.3', 'kantarjian2013', 'sheet §4'),
    ('weekly_2013.os_salvage3.all.median', '6.6', 'kantarjian2013', 'sheet §4'),
    ('weekly_2013.ae[VOD/SOS after allogeneic SCT | any].all.events', '6', 'kantarjian2013', 'sheet §4'),
    ('weekly_2013.ae[VOD/SOS after allogeneic SCT | any].all.total', '36', 'kantarjian2013', 'sheet §4'),
    ('weekly_2013.ae[VOD/SOS after allogeneic SCT | any].all.percent', '17', 'kantarjian2013', 'sheet §4'),
    ('study1010.enrolled', '72', 'deangelo2017', 'sheet §5'),
    ('study1010.arms.ino.n', '72', 'deangelo2017', 'sheet §5'),
    ('study1010.cohorts[Phase 1, 1.2 mg/m2 per cycle].n', '3', 'deangelo2017', 'sheet §5'),
    ('study1010.cohorts[Phase 1, 1.6 mg/m2 per cycle].n', '12', 'deangelo2017', 'sheet §5'),
    ('study1010.cohorts[Phase 1, 1.8 mg/m2 per cycle].n', '9', 'deangelo2017', 'sheet §5'),
    ('study1010.cohorts[Expansion cohort (RP2D)].n', '13', 'deangelo2017', 'sheet §5'),
    ('study1010.cohorts[Phase 2 (RP2D)].n', '35', 'deangelo2017', 'sheet §5'),
    ('study1010.crcri.ino.events', '49', 'deangelo2017', 'sheet §5'),
    ('study1010.crcri.ino.total', '72', 'deangelo2017', 'sheet §5'),
    ('study1010.crcri.ino.percent', '68', 'deangelo2017', 'sheet §5'),
    ('study1010.mrd.ino.events', '41', 'deangelo2017', 'sheet §5'),
    ('study1010.mrd.ino.total', '49', 'deangelo2017', 'sheet §5'),
    ('study1010.mrd.ino.percent', '84', 'deangelo2017', 'sheet §5'),
    ('study1010.pfs.ino.ci', '2.9-5.4', 'deangelo2017', 'sheet §5'),
    ('study1010.pfs.ino.median', '3.9', 'deangelo2017', 'sheet §5'),
    ('study1010.os.ino.ci', '5.7-9.2', 'deangelo2017', 'sheet §5'),
    ('study1010.os.ino.median', '7.4', 'deangelo2017', 'sheet §5'),
    ('study1010.ae[VOD/SOS, treatment-related (all) | any].ino.events', '4', 'deangelo2017', 'sheet §5'),
    ('study1010.ae[VOD/SOS, treatment-related (all) | any].ino.total', '72', 'deangelo2017', 'sheet §5'),
    ('study1010.ae[VOD/SOS after post-study transplant | any].ino.events', '2', 'deangelo2017', 'sheet §5'),
    ('study1010.ae[VOD/SOS after post-study transplant | any].ino.total', '24', 'deangelo2017', 'sheet §5'),
    ('minihcvd_2018.enrolled', '48', 'jabbour2018', 'sheet §6'),
    ('minihcvd_2018.arms.combo.n', '48', 'jabbour2018', 'sheet §6'),
    ('minihcvd_2018.response.combo.events', '44', 'jabbour2018', 'sheet §6'),
    ('minihcvd_2018.response.combo.total', '48', 'jabbour2018', 'sheet §6'),
    ('minihcvd_2018.response.combo.percent', '92', 'jabbour2018', 'sheet §6'),
    ('minihcvd_2018.cr.combo.events', '35', 'jabbour2018', 'sheet §6'),
    ('minihcvd_2018.cr.combo.total', '48', 'jabbour2018', 'sheet §6'),
    ('minihcvd_2018.cr.combo.percent', '73', 'jabbour2018', 'sheet §6'),
    ('minihcvd_2018.mrd.combo.total', '44', 'jabbour2018', 'sheet §6'),
    ('minihcvd_2018.mrd.combo.percent', '93', 'jabbour2018', 'sheet §6'),
    ('minihcvd_2018.hsct.combo.events', '24', 'jabbour2018', 'sheet §6'),
    ('minihcvd_2018.hsct.combo.total', '48', 'jabbour2018', 'sheet §6'),
    ('minihcvd_2018.hsct.combo.percent', '50', 'jabbour2018', 'sheet §6'),
    ('minihcvd_2018.pfs.combo.median', '11', 'jabbour2018', 'sheet §6'),
    ('minihcvd_2018.os.combo.median', '25', 'jabbour2018', 'sheet §6'),
    ('minihcvd_2018.ae[VOD/SOS | any].combo.events', '5', 'jabbour2018', 'sheet §6'),
    ('minihcvd_2018.ae[VOD/SOS | any].combo.total', '48', 'jabbour2018', 'sheet §6'),
    ('minihcvd_2018.ae[VOD/SOS | any].combo.percent', '10', 'jabbour2018', 'sheet §6'),
    ('dosing[Induction (cycle 1, and later cycles until CR/CRi)].day1', '0.8', 'kantarjian2016', 'sheet §1'),
    ('dosing[Induction (cycle 1, and later cycles until CR/CRi)].day8', '0.5', 'kantarjian2016', 'sheet §1'),
    ('dosing[Induction (cycle 1, and later cycles until CR/CRi)].day15', '0.5', 'kantarjian2016', 'sheet §1'),
    ('dosing[Induction (cycle 1, and later cycles until CR/CRi)].total_per_cycle', '1.8', 'kantarjian2016', 'sheet §1'),
    ('dosing[After CR/CRi].day1', '0.5', 'kantarjian2016', 'sheet §1'),
    ('dosing[After CR/CRi].day8', '0.5', 'kantarjian2016', 'sheet §1'),
    ('dosing[After CR/CRi].day15', '0.5', 'kantarjian2016', 'sheet §1'),
    ('dosing[After CR/CRi].total_per_cycle', '1.5', 'kantarjian2016', 'sheet §1'),]

#: Outcome-level facts that are not numbers but travel with the P values (sheet §1, §2; issue 15 source notes).
SIDEDNESS = {
    "inovate.crcri": (None, None),  # the manufacturer's EU site says two-sided, its US site one-sided: none chosen
    "inovate.os": ("two-sided", "two-sided"),  # sheet §1: the prespecified boundary is two-sided 0.0208
    "inovate.crcri_final": ("one-sided", None),  # sheet §2: "one-sided P<.0001"
    "inovate.os_final": ("one-sided", "two-sided"),  # sheet §2: one-sided P=.0105 against two-sided 0.0208
    "inovate.hsct_final": ("one-sided", None),  # 2019 abstract: "1-sided P < .0001"
}

#: Numbers inside sentences of the file that are not in FIGURES: each with where it comes from.
TEXT_NUMBERS = {
    "0.01": "sheet §1: MRD threshold (below 0.01%)",
    "218": "sheet §1: the first 218 randomized",
    "0.0104": "sheet §2: the two-sided boundary 0.0208 is a one-sided 0.0104",
    "35.8": "sheet §1 note: the US label's strict CR", "17.4": "sheet §1 note: the US label's strict CR",
    "21": "sheet §1: 21-28-day cycles",
    "1.2": "sheet §5: phase 1 dose", "1.6": "sheet §5: phase 1 dose and dose after CR/CRi",
    "1.3": "sheet §4 and §6: InO doses", "1.0": "sheet §6: InO dose", "0.6": "sheet §6: InO dose",
    "0.3": "sheet §6: InO dose", "31": "sheet §6: median follow-up 31 months", "38": "sheet §6: the first 38 patients",
    "14": "sheet §7: label VOD/SOS 23/164 (14%)",
    "53": "sheet §7: Study WI203581, 53 patients", "22": "sheet §7: CR 22/53; MRD among CR 21/22, 19/22",
    "55.9": "sheet §7", "8.2": "sheet §7", "2.6": "sheet §7", "95.5": "sheet §7", "77.2": "sheet §7",
    "99.9": "sheet §7", "86.4": "sheet §7", "65.1": "sheet §7", "97.1": "sheet §7",
    "000": "US PI section 2 (manufacturer's site): peripheral blast count of 10,000/mm3",
    "100": "US boxed warning (2017 wording, issue 15 source notes §1a): Day 100 post-HSCT mortality",
    "5.1": "US PI section number", "5.2": "US PI section number",
    "1010": "study name", "2012": "year", "2013": "year", "2017": "year", "2024": "year",
    "004119": "EMA procedure number",
}


def _text(value) -> str:
    if isinstance(value, PValue):
        return value.text
    if isinstance(value, tuple):
        return "-".join(_text(v) for v in value)
    if isinstance(value, ReportedNumber):
        return value.text
    return str(value)


def figures_of(evidence) -> list[tuple[str, str, str]]:
    """(path, value, cited reference) for every figure of an evidence file."""
    out = []
    for s in evidence.studies:
        source = s.sources[0]
        out.append((f"{s.id}.enrolled", _text(s.enrolled), source))
        out += [(f"{s.id}.arms.{a.id}.n", _text(a.n), source) for a in s.arms if a.n is not None]
        out += [(f"{s.id}.cohorts[{c.name}].n", _text(c.n), source) for c in s.cohorts]
        out += [(f"{s.id}.flow[{f.stage}].{arm}", _text(n), f.source) for f in s.flow for arm, n in f.counts.items()]
        for o in s.outcomes:
            base = f"{s.id}.{o.id}"
            if o.p is not None:
                out.append((f"{base}.p", _text(o.p), o.source))
            if o.p_boundary is not None:
                out.append((f"{base}.p_boundary", _text(o.p_boundary), o.source))
            hr = getattr(o, "hazard_ratio", None)
            if hr is not None:
                out += [(f"{base}.hr", _text(hr.estimate), o.source), (f"{base}.hr.ci", _text(hr.ci), o.source),
                        (f"{base}.hr.ci_level", _text(hr.ci_level), o.source)]
            for arm, r in o.arms.items():
                for name in ("events", "total", "percent", "ci", "median"):
                    if getattr(r, name, None) is not None:
                        out.append((f"{base}.{arm}.{name}", _text(getattr(r, name)), o.source))
                for lm in getattr(r, "landmarks", ()):
                    out.append((f"{base}.{arm}.landmark[{_text(lm.time)}].percent", _text(lm.percent), o.source))
                    if lm.ci:
                        out.append((f"{base}.{arm}.landmark[{_text(lm.time)}].ci", _text(lm.ci), o.source))
        for e in s.adverse_events:
            base = f"{s.id}.ae[{e.term} | {e.grade}]"
            for arm, r in e.arms.items():
                out += [(f"{base}.{arm}.{name}", _text(getattr(r, name)), e.source)
                        for name in ("events", "total", "percent", "ci") if getattr(r, name) is not None]
    if evidence.dosing is not None:
        d = evidence.dosing
        for schedule in d.schedules:
            out += [(f"dosing[{schedule.name}].day{dose.day}", _text(dose.dose), d.source) for dose in schedule.doses]
            if schedule.total_per_cycle is not None:
                out.append((f"dosing[{schedule.name}].total_per_cycle", _text(schedule.total_per_cycle), d.source))
    return out


def sentences_of(value, path: str = ""):
    """(path, text) of every sentence-like field: the places a number could hide outside FIGURES."""
    skip = ("id", "registry", "date", "published", "doi", "url", "pmcid", "unit", "kind", "grade", "phase")
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            if name not in skip and not (path == "" and name in ("references", "meta", "abbreviations")):
                yield from sentences_of(getattr(value, name), f"{path}.{name}")
    elif isinstance(value, tuple):
        for i, item in enumerate(value):
            yield from sentences_of(item, f"{path}[{i}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from sentences_of(item, f"{path}.{key}")
    elif isinstance(value, str):
        yield path, value


NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?")


@pytest.fixture(scope="module")
def held(report):
    return {path: (value, source) for path, value, source in figures_of(report.evidence)}


def test_every_figure_of_the_table_is_in_the_file_with_that_value(held):
    wrong = [(path, value, held.get(path)) for path, value, _, _ in FIGURES if held.get(path, (None,))[0] != value]
    assert not wrong, "figures missing from the file or with another value:\n" + "\n".join(map(str, wrong))


def test_every_figure_of_the_file_is_in_the_table(held):
    """A figure the table does not hold has no checked source: it must not be in the bundled file."""
    listed = {path for path, *_ in FIGURES}
    extra = sorted(set(held) - listed)
    assert not extra, "figures in the file that no source in this table covers:\n" + "\n".join(
        f"{p} = {held[p][0]} (cites {held[p][1]})" for p in extra)


def test_every_figure_cites_the_source_it_comes_from(held):
    wrong = [(path, source, held[path][1]) for path, _, source, _ in FIGURES if path in held and held[path][1] != source]
    assert not wrong, "figures citing another reference than their source:\n" + "\n".join(map(str, wrong))


def test_figures_from_other_sources_name_them_and_are_cited(report):
    """Figures beyond the sheet are allowed only from a source the evidence file lists as a reference."""
    refs = {r.id for r in report.evidence.references}
    others = [(path, source, where) for path, _, source, where in FIGURES if not where.startswith("sheet")]
    assert others  # the US label, the 2019 paper's Table 4 and the 2019 abstract's P value
    assert all(source in refs for _, source, _ in others)
    assert all(where.strip() for _, _, where in others)


def test_table_rows_are_unique():
    paths = [path for path, *_ in FIGURES]
    assert len(paths) == len(set(paths))


def test_p_values_keep_the_sidedness_the_source_gives(report):
    outcomes = {f"{s.id}.{o.id}": o for s in report.evidence.studies for o in s.outcomes}
    for key, (p_sided, boundary_sided) in SIDEDNESS.items():
        outcome = outcomes[key]
        assert (outcome.p_sided, outcome.p_boundary_sided) == (p_sided, boundary_sided), key
    # A P value whose sidedness no source in hand confirms carries none (not one made up).
    unsided = {key for key, o in outcomes.items() if o.p is not None and o.p_sided is None}
    assert unsided == {"inovate.crcri", "inovate.mrd", "inovate.dor", "inovate.pfs", "inovate.hsct"}


def test_the_final_report_os_is_marked_after_the_prespecified_analysis(report):
    os_final = next(o for o in report.evidence.study("inovate").outcomes if o.id == "os_final")
    assert os_final.analysis == "after_final"
    assert report.crossed_boundary("inovate", "os_final") is False


def test_numbers_in_sentences_are_figures_of_the_table_or_listed_with_their_source(report):
    allowed = {part for _, value, _, _ in FIGURES for part in value.lstrip("<=").split("-")} | set(TEXT_NUMBERS)
    stray = [(path, number) for path, text in sentences_of(report.evidence)
             for number in NUMBER.findall(re.sub(r"\[@[^\]]*\]", "", text)) if number not in allowed]
    assert not stray, "numbers in the file's sentences with no source in this test:\n" + "\n".join(map(str, stray))


def test_the_2024_pediatric_approval_carries_the_sheet_figures(report):
    event = next(e for e in report.evidence.regulatory if e.date.isoformat() == "2024-03-06")
    assert event.source == "fda2024" and "1 year and older" in event.population
    for figure in ("53", "1.4", "12", "1.8", "41", "22 of 53 (42%; 95% CI 28.1-55.9)", "8.2 months (95% CI 2.6",
                   "21 of 22 (95.5%; 95% CI 77.2-99.9)", "19 of 22 (86.4%; 95% CI 65.1-97.1)",
                   "methylprednisolone 1 mg/kg (maximum 50 mg)", "median 2 cycles (range 1-4)"):
        assert figure in " ".join(event.detail.split()), figure


def test_corrections_of_issue_15_stay_corrected(report):
    ev = report.evidence
    jabbour = ev.reference("jabbour2018")
    assert jabbour.authors == ("Jabbour E", "Sasaki K", "Ravandi F", "et al")
    assert jabbour.title.startswith("Chemoimmunotherapy with inotuzumab ozogamicin combined with mini-hyper-CVD")
    text = " ".join(ev.study("study1010").key_points)
    assert "Four treatment-related VOD/SOS events in total" in text and "two more" not in text
    assert "with or without blinatumomab" in ev.study("minihcvd_2018").name
    assert ev.study("weekly_2013").arms[0].extends.study == "phase2_2012"
    assert "CD22 is expressed on leukemic blasts in >90% of ALL patients" in " ".join(ev.background)
    grade_reasons = " ".join(r for s in ev.studies for o in s.outcomes if o.certainty for r in o.certainty.reasons)
    assert "crossover" not in grade_reasons.lower() and "investigator-assessed" not in grade_reasons.lower()
    assert ev.boxed_warning.source == "besponsa_pi" and "39%" not in " ".join(ev.boxed_warning.points)
    assert not any("adults only" in (e.population or "").lower() for e in ev.regulatory)


def test_a_median_the_file_does_not_hold_is_not_in_this_summary_and_not_reported_only_where_the_file_says_so():
    """An arm reported by landmarks alone may still have a published median: the handout must not claim
    the source lacks it. "not reported" is for `reported: false`, where the file says the source gives none."""
    from report_builder.analysis.formatting import median
    from report_builder.inputs.evidence_schema import Landmark, TimeToEventArmResult

    landmarks_only = TimeToEventArmResult(landmarks=(Landmark(time=24, percent=ReportedNumber(23, "23")),))
    assert median(landmarks_only, "months") == "not in this summary"
    assert median(TimeToEventArmResult(reported=False), "months") == "not reported"
    assert median(TimeToEventArmResult(median_not_reached=True), "months") == "not reached"
